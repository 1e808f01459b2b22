#include "membership/Membership.h"

#include <algorithm>

namespace safefarm::membership {
namespace {

uint64_t mixIn(uint64_t h, uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h = (h ^ (h >> 31)) * 0xbf58476d1ce4e5b9ULL;
    return h;
}

uint64_t mixView(uint64_t h, const View& v) {
    h = mixIn(h, v.id.seq);
    h = mixIn(h, v.id.coordinator);
    h = mixIn(h, v.id.coordinatorIncarnation);
    for (const auto& m : v.members) {
        h = mixIn(h, m.id);
        h = mixIn(h, m.incarnation);
        h = mixIn(h, m.weight);
        h = mixIn(h, static_cast<uint64_t>(m.state));
    }
    return mixIn(h, v.members.size());
}

}  // namespace

const char* refusalName(Refusal r) {
    switch (r) {
        case Refusal::Key: return "key";
        case Refusal::WireVersion: return "wire_version";
        case Refusal::BucketAlgorithm: return "bucket_algorithm";
    }
    return "?";
}

Membership::Membership(MembershipConfig config, Hmac mac, Nanos now)
    : config_(std::move(config)), mac_(std::move(mac)), startedAt_(now), nextHeartbeat_(now) {
    if (config_.lans == 0) config_.lans = 1;
    for (uint8_t id : config_.nodes) {
        if (id == config_.self || id == 255) continue;
        Peer& p = peers_[id];
        p.lastHeardLan.assign(config_.lans, Nanos{0});
        p.lanUp.assign(config_.lans, false);
    }
    tick(now);
}

MemberState Membership::announcedState() const {
    if (stopped_) return MemberState::Stopped;
    if (draining_) return MemberState::Draining;
    return config_.ready && witnessOk_ && !blocked_ ? MemberState::Ready : MemberState::NotReady;
}

// Heard within the detection time, directly or by another member (a
// suspected peer is alive), or held for a restart.
bool Membership::peerAlive(const Peer& p, Nanos now) const {
    return p.heard && p.state != MemberState::Stopped &&
           (now - std::max(p.lastHeard, p.heardVia) <= detection() || now <= p.holdUntil);
}

std::vector<uint8_t> Membership::alive(Nanos now) const {
    std::vector<uint8_t> out;
    if (!stopped_) out.push_back(config_.self);
    for (const auto& [id, p] : peers_)
        if (peerAlive(p, now)) out.push_back(id);
    std::sort(out.begin(), out.end());
    return out;
}

ViewId Membership::peerInstalled(uint8_t peer) const {
    auto it = peers_.find(peer);
    return it == peers_.end() ? ViewId{} : it->second.installed;
}

bool Membership::lanUp(uint8_t peer, uint8_t lan) const {
    auto it = peers_.find(peer);
    return it != peers_.end() && lan < it->second.lanUp.size() && it->second.lanUp[lan];
}

bool Membership::quorate(const View& v) const {
    std::vector<uint8_t> ids;
    for (const auto& m : v.members) ids.push_back(m.id);
    return quorateSet(ids);
}

bool Membership::quorateSet(const std::vector<uint8_t>& ids) const {
    if (config_.quorum == QuorumPolicy::None) return true;
    size_t n = config_.nodes.size();
    size_t have = 0;
    for (uint8_t id : config_.nodes) have += std::count(ids.begin(), ids.end(), id) ? 1 : 0;
    if (2 * have > n) return true;
    if (2 * have < n || n == 0) return false;
    uint8_t lowest = *std::min_element(config_.nodes.begin(), config_.nodes.end());
    return std::count(ids.begin(), ids.end(), lowest) > 0;
}

bool Membership::isCoordinator(Nanos now) const {
    if (stopped_) return false;
    if (now - startedAt_ < config_.pulse * static_cast<int64_t>(kGatherPulses)) return false;
    for (const auto& [id, p] : peers_)
        if (id < config_.self && peerAlive(p, now)) return false;
    return true;
}

std::vector<ViewMember> Membership::desiredMembers(Nanos now) const {
    std::vector<ViewMember> out;
    for (const auto& [id, p] : peers_) {
        if (!peerAlive(p, now)) continue;
        // Left out for not acking: back once it says it heard this node
        // after that, not merely when heard (a node that cannot hear the
        // coordinator is heard all the time).
        if (leftOutForAcks(p)) continue;
        out.push_back(ViewMember{id, p.window.incarnation(), p.weight, p.state});
    }
    out.push_back(ViewMember{config_.self, config_.incarnation, config_.weight, announcedState()});
    std::sort(out.begin(), out.end(), [](const ViewMember& a, const ViewMember& b) { return a.id < b.id; });
    return out;
}

void Membership::send(uint8_t to, MessageType type, const std::variant<Heartbeat, Ack, View>& body, Nanos now) {
    auto peer = peers_.find(to);
    uint32_t toIncarnation = peer == peers_.end() ? 0 : peer->second.learntIncarnation;
    for (uint8_t lan = 0; lan < config_.lans; lan++) {
        Message m;
        m.header = Header{type, config_.self, lan, config_.incarnation, ++seq_, to, toIncarnation};
        m.body = body;
        out_.push_back(Datagram{lan, to, encode(m, mac_)});
        counters_.sent++;
        sentAt_.emplace_back(seq_, now);
    }
    // An echo of a seq older than the detection time anchors no lease.
    while (sentAt_.size() > 1 && sentAt_.front().second < now - detection() - config_.pulse) sentAt_.pop_front();
}

std::optional<Nanos> Membership::sentTime(uint64_t seq) const {
    auto it =
        std::lower_bound(sentAt_.begin(), sentAt_.end(), seq, [](const auto& e, uint64_t s) { return e.first < s; });
    if (it == sentAt_.end() || it->first != seq) return std::nullopt;
    return it->second;
}

// One heartbeat per peer: each carries its own echo, to the members of the
// installed view only. A node vouches only for what it agreed to: a new
// incarnation (a restarted agent) does not know what its previous life
// acked, and it starts vouching once it holds a view with that peer.
void Membership::sendHeartbeats(Nanos now, uint8_t flags) {
    for (const auto& [id, p] : peers_) sendHeartbeat(id, p, now, flags);
}

void Membership::sendHeartbeat(uint8_t to, const Peer& p, Nanos now, uint8_t flags) {
    if (restarting_) flags = kHeartbeatRestarting;
    Heartbeat hb{announcedState(), flags,   config_.weight, installed_.id, traffic_.connections,
                 traffic_.packets, dataMac_};
    if (!p.released && p.window.known() && installed_.contains(to)) {
        hb.echoIncarnation = p.window.incarnation();
        hb.echoSeq = p.window.highest();
    }
    for (const auto& [other, q] : peers_) {  // what this node heard directly, rounded up (older)
        if (!q.heard || q.state == MemberState::Stopped || now - q.lastHeard > detection()) continue;
        auto ago = (now - q.lastHeard + std::chrono::milliseconds(1) - Nanos{1}) / std::chrono::milliseconds(1);
        hb.heard.push_back(Heartbeat::Heard{other,
                                            static_cast<uint16_t>(std::min<int64_t>(ago, Heartbeat::Heard::kMaxAgoMs)),
                                            q.released && q.agreedWithout});
    }
    send(to, MessageType::Heartbeat, hb, now);
}

// When to ask the peers for echoes at once: the lease (majority) ends within
// two pulses and has not ended yet (after that, the pulse's heartbeats). One
// pulse's round trip is lost with 51% probability at 30% loss each way; a
// request every fifth of a pulse gives some ten more round trips before
// the end (LeaseTest.ThirtyPercentLossRarelyTakesALease). kNever: no need.
Nanos Membership::echoRequestAt() const {
    if (config_.quorum != QuorumPolicy::Majority || stopped_ || restarting_ || !installed_.contains(config_.self))
        return kNever;
    auto vouched = vouchedUntil();
    if (!vouched) return kNever;  // no quorate view without this node: nothing to renew
    Nanos at = std::max(nextEchoRequest_, *vouched - 2 * config_.pulse);
    return at < *vouched ? at : kNever;  // run out: the pulse's heartbeats carry on
}

// --- leases (docs/design.md "Leases") --------------------------------------

// This node may serve until the peers whose echoes ran out could form a
// quorate view without it. Each peer vouches until (my send time of the
// newest of my seqs it echoed, under a view not newer than mine) +
// leaseSpan(): it lets me go only after the detection time on its own clock
// (letGo()). An echo sent under a newer view than mine does not count: that
// peer may have agreed to a view without me and taken me back since, while
// I still serve an older table. No stall guard is needed: an agent that
// stops running sends nothing, its anchors age, and the lease ends within
// leaseSpan() of its last datagram, before any peer lets it go. (A guard of
// a few pulses fenced busy agents on ordinary scheduling delays: issue 13.)
// Where no quorate view can form without this node (the lowest id of two,
// a farm of one), nobody can take its buckets: the lease is the detection
// time from now, renewed while the agent runs.
// With quorum none (SafeKit's, each side serves alone) the lease is the
// node's own: (slost_count - 1) pulses from now, renewed while it runs.
Nanos Membership::leaseUntil(Nanos now) const {
    if (stopped_ || !installed_.contains(config_.self)) return Nanos{0};
    Nanos guard = now + config_.pulse * static_cast<int64_t>(std::max<uint32_t>(1, config_.slostCount - 1));
    if (config_.quorum == QuorumPolicy::None) return guard;
    auto vouched = vouchedUntil();
    return vouched ? *vouched : now + detection();  // none: no quorate view can form without this node
}

// When the peers whose vouching ended could form a quorate view without
// this node; nullopt if they never can.
std::optional<Nanos> Membership::vouchedUntil() const {
    std::vector<std::pair<Nanos, uint8_t>> ends;
    for (const auto& [id, p] : peers_) {
        Nanos at = kNever;
        for (const auto& a : p.anchors)
            if (a.view <= installed_.id) at = std::max(at, a.at);
        ends.emplace_back(at == kNever ? kNever : at + leaseSpan(), id);
    }
    std::sort(ends.begin(), ends.end());
    std::vector<uint8_t> gone;
    for (const auto& [end, id] : ends) {
        gone.push_back(id);
        if (quorateSet(gone)) return std::max(Nanos{0}, end);
    }
    return std::nullopt;
}

// May this node agree to a view that leaves p out? Only once p's lease, as
// far as this node's echoes carry it, has run out: p was silent for the
// detection time (its last echoed seq was sent before it was last heard),
// it said it stopped (its data path was revoked before), or this node stopped
// echoing it at least the detection time ago.
// A new incarnation (or a start after a stop) lets nobody go before the
// detection time has passed since it started: its previous life may have
// echoed any peer until then.
bool Membership::letGo(const Peer& p, Nanos now) const {
    if (now - startedAt_ < detection()) return false;
    if (!peerAlive(p, now) || p.state == MemberState::Stopped) return true;
    return p.released && now - p.releasedAt >= detection();
}

// Stops echoing every peer that v leaves out (any peer this node may have
// vouched for, in its installed view or not: a node that never installed a
// view still echoes); true when all of them are let go already.
bool Membership::releaseLeftOut(const View& v, Nanos now) {
    bool all = true;
    for (auto& [id, p] : peers_) {
        if (v.contains(id)) continue;
        // Dead ones too: if one comes back before v is in force, this node
        // must not vouch for it again.
        if (!p.released) {
            p.released = true;
            p.releasedAt = now;
        }
        p.leftOutSeen = now;
        if (p.releasedFor < v.id) p.releasedFor = v.id;
        all = all && letGo(p, now);
    }
    return all;
}

// A proposal that leaves out a live peer waits for the members to let it
// go: the detection time more, at most.
Nanos Membership::ackTimeout() const {
    Nanos t = config_.pulse * static_cast<int64_t>(config_.ackTimeoutPulses);
    for (const auto& [id, p] : peers_)
        if (!proposal_.view.contains(id) && p.heard && p.state != MemberState::Stopped)
            return t + detection() + config_.pulse;
    return t;
}

void Membership::tick(Nanos now) {
    if (now - startedAt_ >= config_.pulse * static_cast<int64_t>(kGatherPulses)) gathered_ = true;
    updateBlock(now);
    if (now >= nextHeartbeat_) {
        sendHeartbeats(now);
        nextHeartbeat_ = std::max(nextHeartbeat_ + config_.pulse, now + config_.pulse / 2);
    } else if (Nanos at = echoRequestAt(); at != kNever && now >= at) {
        for (const auto& [id, p] : peers_)
            if (installed_.contains(id)) sendHeartbeat(id, p, now, kHeartbeatEchoRequest);
        counters_.echoRequests++;
        nextEchoRequest_ = now + config_.pulse / 5;
    }
    for (auto& [id, p] : peers_) {
        for (uint8_t lan = 0; lan < config_.lans; lan++) {
            bool up =
                p.heard && now - p.lastHeardLan[lan] <= config_.pulse * static_cast<int64_t>(config_.lanDownPulses);
            if (up != p.lanUp[lan]) (up ? counters_.lanUp : counters_.lanDown)++;
            p.lanUp[lan] = up;
        }
        bool alive = peerAlive(p, now);
        bool direct = p.heard && now - p.lastHeard <= detection();
        if (alive && p.heard && !direct && now > p.holdUntil && !p.suspected) {
            p.suspected = true;
            counters_.suspected++;
        }
        if (direct) p.suspected = false;
        if (!alive && p.heard && !p.declaredDead) {
            p.declaredDead = true;
            counters_.peerDeaths++;
        }
        // Released for a proposal this node never acked, and nobody asked
        // again for the detection time (the coordinator asks every pulse
        // while it waits): that proposal was given up, echo the peer again.
        if (p.released && !p.agreedWithout && alive && !leftOutForAcks(p) && installed_.contains(id) &&
            now - p.leftOutSeen >= detection() && !(proposal_.active && !proposal_.view.contains(id)))
            p.released = false;
    }
    coordinate(now);
}

Nanos Membership::nextWakeup() const {
    Nanos next = nextHeartbeat_;
    if (Nanos at = echoRequestAt(); at != kNever) next = std::min(next, at);
    if (!gathered_) next = std::min(next, startedAt_ + config_.pulse * static_cast<int64_t>(kGatherPulses));
    for (const auto& [id, p] : peers_) {
        if (!p.heard) continue;
        Nanos death = std::max(std::max(p.lastHeard, p.heardVia) + detection(), p.holdUntil) + Nanos{1};
        if (!p.declaredDead && p.state != MemberState::Stopped) next = std::min(next, death);
    }
    if (quorumWaitUntil_ != kNever) next = std::min(next, quorumWaitUntil_);
    // While a refused peer counts, the block is decided again when it, or
    // a peer heard, ages past the detection time.
    auto later = [&](Nanos at) {
        if (at + detection() >= blockCheckedAt_) next = std::min(next, at + detection() + Nanos{1});
    };
    bool refusals = false;
    for (const auto& [id, p] : peers_)
        if (p.refused.count > 0 && p.refused.at + detection() >= blockCheckedAt_) refusals = true;
    for (const auto& [id, p] : peers_) {
        if (!refusals) break;
        if (p.refused.count > 0) later(p.refused.at);
        if (p.authenticatedAt != kNever) later(p.authenticatedAt);
    }
    if (proposal_.active && proposal_.acked.size() < proposal_.view.members.size()) {
        next = std::min(next, proposal_.sentAt + ackTimeout());
        next = std::min(next, proposal_.lastSent + config_.pulse);
    } else if (proposal_.active) {  // every ack is in: the commit waits until every left-out member is let go
        Nanos all = startedAt_ + detection();
        for (const auto& [id, p] : peers_)
            if (p.released && !proposal_.view.contains(id)) all = std::max(all, p.releasedAt + detection());
        next = std::min(next, all);
    }
    return next;
}

void Membership::coordinate(Nanos now) {
    if (!isCoordinator(now)) {
        // The wait for a view without a quorum starts when this node, as
        // coordinator, first finds none: an earlier loss it did not commit
        // (it heard its peers again) must not shorten the next one.
        quorumLostAt_ = quorumWaitUntil_ = kNever;
        if (proposal_.active) echoAgain(proposal_.view.id, now);
        proposal_.active = false;
        return;
    }
    auto desired = desiredMembers(now);
    if (proposal_.active) {
        if (proposal_.view.members == desired) {
            if (proposal_.acked.size() == proposal_.view.members.size()) {
                maybeCommit(now);  // every ack is in: waits only to let the left-out go
                return;
            }
            if (now - proposal_.sentAt < ackTimeout()) {
                if (now - proposal_.lastSent >= config_.pulse) {  // resend to those who have not acked
                    proposal_.lastSent = now;
                    for (const auto& m : proposal_.view.members)
                        if (!proposal_.acked.count(m.id)) send(m.id, MessageType::Propose, proposal_.view, now);
                }
                return;
            }
            // Ack timeout: leave the silent members out of the next proposal.
            for (const auto& m : proposal_.view.members) {
                if (proposal_.acked.count(m.id)) continue;
                Peer& p = peers_.at(m.id);
                p.excluded = true;
                p.excludedAt = now;
                counters_.exclusions++;
            }
            desired = desiredMembers(now);
        }
        echoAgain(proposal_.view.id, now);
        proposal_.active = false;
    }
    // A view without a quorum, while the installed one has it: wait twice the
    // detection time first. Such a view owns nothing, and this node's lease
    // runs out without echoes anyway; committed at once, every short loss of
    // all heartbeats (30% loss: a few a minute) became two view changes.
    // Waiting is safe (committing nothing never gives a bucket away) and the
    // status still says the peers are gone after 2 x D.
    {
        std::vector<uint8_t> want;
        for (const auto& m : desired) want.push_back(m.id);
        if (config_.quorum == QuorumPolicy::Majority && !quorateSet(want) && !installed_.id.empty() &&
            quorate(installed_)) {
            if (quorumLostAt_ == kNever) quorumLostAt_ = now;
            quorumWaitUntil_ = quorumLostAt_ + 2 * detection();
            if (now < quorumWaitUntil_) return;
        } else {
            quorumLostAt_ = kNever;
        }
        quorumWaitUntil_ = kNever;
    }
    bool behind = false;  // someone holds a newer view than ours
    for (const auto& m : desired)
        if (m.id != config_.self && peers_.at(m.id).installed > installed_.id) behind = true;
    if (installed_.members == desired && !behind && !releasedInView()) {
        // Our view is right: make sure every member holds it (a lost Commit).
        for (const auto& m : desired) {
            if (m.id == config_.self) continue;
            Peer& p = peers_.at(m.id);
            if (p.installed != installed_.id && now - p.lastCommitSent >= config_.pulse) {
                p.lastCommitSent = now;
                send(m.id, MessageType::Commit, installed_, now);
            }
        }
        return;
    }
    propose(std::move(desired), now);
}

// Does a member of the installed view go without its echoes from this node
// or from a member holding this view? Only a proposal leaving it out, given
// up before it committed, does that (the peer was heard again meanwhile):
// nobody echoes it again before a newer view holds it, so the coordinator
// proposes the same members again, or its lease would never come back
// (CI at 30% loss: 20 s without one; docs/design.md "Leases").
bool Membership::releasedInView() const {
    for (const auto& m : installed_.members) {  // this node too: a member may not echo the coordinator
        if (m.id != config_.self && peers_.at(m.id).released && peers_.at(m.id).agreedWithout) return true;
        for (const auto& q : installed_.members) {
            if (q.id == config_.self || q.id == m.id) continue;
            const Peer& p = peers_.at(q.id);
            if (p.installed == installed_.id &&
                std::find(p.releases.begin(), p.releases.end(), m.id) != p.releases.end())
                return true;
        }
    }
    return false;
}

// A proposal this node gives up (never committed: nobody can count on its
// agreement): it echoes again at once the live peers it left out, unless it
// agreed to leave them out elsewhere (acked another coordinator's view).
void Membership::echoAgain(const ViewId& given, Nanos now) {
    for (auto& [id, p] : peers_)
        if (p.released && p.releasedFor == given && !p.agreedWithout && peerAlive(p, now) && !leftOutForAcks(p) &&
            installed_.contains(id))
            p.released = false;
}

void Membership::propose(std::vector<ViewMember> members, Nanos now) {
    proposal_ = Proposal{};
    proposal_.active = true;
    proposal_.view.id = ViewId{std::max(maxSeqSeen_, installed_.id.seq) + 1, config_.self, config_.incarnation};
    maxSeqSeen_ = proposal_.view.id.seq;
    proposal_.view.members = std::move(members);
    proposal_.acked.insert(config_.self);
    proposal_.sentAt = proposal_.lastSent = now;
    counters_.proposals++;
    for (const auto& m : proposal_.view.members)
        if (m.id != config_.self) send(m.id, MessageType::Propose, proposal_.view, now);
    releaseLeftOut(proposal_.view, now);  // proposing is agreeing: stop echoing the left-out
    maybeCommit(now);
}

// Every member acked: commit once this node has let go of every member of
// its installed view that the proposal leaves out.
void Membership::maybeCommit(Nanos now) {
    if (!proposal_.active || proposal_.acked.size() != proposal_.view.members.size()) return;
    if (!releaseLeftOut(proposal_.view, now)) return;  // nextWakeup() comes back when they are
    commitProposal(now);
}

void Membership::commitProposal(Nanos now) {
    proposal_.active = false;
    counters_.commits++;
    install(proposal_.view, now);
    for (const auto& m : installed_.members) {
        if (m.id == config_.self) continue;
        peers_.at(m.id).lastCommitSent = now;
        send(m.id, MessageType::Commit, installed_, now);
    }
}

void Membership::install(const View& v, Nanos now) {
    leaseHeldAtInstall_ = leaseUntil(now) > now;  // under the view installed until now
    // Echo again the peers this view takes back, unless this node agreed to
    // a newer view without them (a late commit of an older view).
    for (auto& [id, p] : peers_) {
        if (!v.contains(id)) {
            if (p.released) p.agreedWithout = true;
        } else if (p.released && p.releasedFor < v.id) {
            p.released = p.agreedWithout = false;
        }
    }
    installed_ = v;
    maxSeqSeen_ = std::max(maxSeqSeen_, v.id.seq);
    counters_.installs++;
    committed_.push_back(v);
    // Say so at once: the members taking buckets from this node wait for it
    // (docs/design.md "Handoffs").
    sendHeartbeats(now);
}

void Membership::receive(uint8_t lan, std::span<const uint8_t> bytes, Nanos now, uint8_t source) {
    counters_.received++;
    Decoded d = decode(bytes, mac_);
    if (!d.ok) {
        switch (d.error) {
            case DecodeError::Truncated: counters_.truncated++; break;
            case DecodeError::BadMagic: counters_.badMagic++; break;
            case DecodeError::BadVersion:
                counters_.badVersion++;
                refuse(source, Refusal::WireVersion, d.version, 0, now);
                break;
            case DecodeError::BadLength: counters_.badLength++; break;
            case DecodeError::BadMac:
                counters_.forged++;
                refuse(source, Refusal::Key, 0, 0, now);
                break;
            case DecodeError::Malformed: counters_.malformed++; break;
        }
        return;
    }
    const Header& h = d.message.header;
    if (h.sender == config_.self) {  // our own datagram reflected back at us
        counters_.fromSelf++;
        return;
    }
    auto it = peers_.find(h.sender);
    if (it == peers_.end()) {
        counters_.unknownSender++;
        return;
    }
    Peer& p = it->second;
    // The destination (docs/design.md "Replays"): for this node, in this
    // life. From what names this node, learn the sender's incarnation (they
    // only grow: a replay never lowers it) and, when it is new, answer at
    // once: a peer that just started, or that this node has not heard since
    // it started, sends the incarnation it knew (or 0) and learns ours from
    // the answer, one round trip rather than a pulse.
    if (h.to != config_.self) {
        counters_.misdirected++;
        return;
    }
    bool learnt = h.incarnation > p.learntIncarnation;
    if (learnt) p.learntIncarnation = h.incarnation;
    const auto* hb = std::get_if<Heartbeat>(&d.message.body);
    bool otherBuckets = hb && (hb->bucketAlgorithm != kBucketAlgorithmVersion || hb->buckets != FARM_BUCKETS);
    if (h.toIncarnation != config_.incarnation) {
        counters_.misdirected++;
        if (h.incarnation == p.learntIncarnation && !otherBuckets) p.authenticatedAt = now;  // a peer of ours
        updateBlock(now);  // first: the answer says what this node announces now
        if (learnt) answer(h.sender, p, now);
        return;
    }
    switch (p.window.check(h.incarnation, h.seq)) {
        case Freshness::Replayed: counters_.replayed++; return;
        case Freshness::Stale: counters_.stale++; return;
        case Freshness::Fresh: break;
    }
    if (lan >= config_.lans) lan = 0;
    bool newIncarnation = !p.window.known() || h.incarnation != p.window.incarnation();
    p.window.accept(h.incarnation, h.seq);
    if (newIncarnation) {  // a new life: forget what the old one said
        p.state = MemberState::NotReady;
        p.weight = 0;
        p.installed = ViewId{};
        p.excluded = false;
        p.heard = false;
        p.releases.clear();
        p.otherBuckets = false;
    }
    // A peer computing another bucket table is no member (docs/design.md
    // "Misconfigured peers"): its heartbeat says so, and what else it sends
    // is refused until one computes ours. Recorded in the replay window, so
    // a replay of it is only a replay.
    if (hb) p.otherBuckets = otherBuckets;
    if (p.otherBuckets) {
        counters_.refusedBucketAlgorithm++;
        refuse(h.sender, Refusal::BucketAlgorithm, hb ? hb->bucketAlgorithm : p.refused.versionSeen,
               hb ? hb->buckets : p.refused.bucketsSeen, now);
        return;
    }
    counters_.accepted++;
    p.authenticatedAt = now;
    p.heard = true;
    p.declaredDead = false;
    p.lastHeard = now;
    p.lastHeardLan[lan] = now;
    if (!p.lanUp[lan]) {
        p.lanUp[lan] = true;
        counters_.lanUp++;
    }
    if (hb) {
        onHeartbeat(h.sender, *hb, now);
    } else if (const auto* ack = std::get_if<Ack>(&d.message.body)) {
        onAck(h.sender, h.incarnation, *ack, now);
    } else if (h.type == MessageType::Propose) {
        onPropose(h.sender, h.incarnation, std::get<View>(d.message.body), now);
    } else {
        onCommit(std::get<View>(d.message.body), now);
    }
    updateBlock(now);
    if (learnt) answer(h.sender, p, now);
    coordinate(now);
}

// --- misconfigured peers (docs/design.md "Misconfigured peers") -------------

// Counts a refused datagram against the configured peer it came from (by
// address for the key and the wire version, by the authenticated sender for
// the bucket algorithm), then decides the block again.
void Membership::refuse(uint8_t source, Refusal reason, uint32_t versionSeen, uint32_t bucketsSeen, Nanos now) {
    auto it = peers_.find(source);
    if (it == peers_.end()) return;  // not a configured peer's address: forged or stray, counted above only
    switch (reason) {
        case Refusal::Key: counters_.refusedKey++; break;
        case Refusal::WireVersion: counters_.refusedWireVersion++; break;
        case Refusal::BucketAlgorithm: break;  // counted by the caller (a drop of its own)
    }
    auto& r = it->second.refused;
    r.reason = reason;
    r.count++;
    r.at = now;
    r.versionSeen = versionSeen;
    r.bucketsSeen = bucketsSeen;
    updateBlock(now);
}

// side: this node and the configured peers it authenticated within the
// detection time (Peer::authenticatedAt: a datagram refused only because it
// was sent before this node restarted counts: that peer has our key); other: the configured peers refused within it
// (and not authenticated since). A node that does not serve yet (not Ready in its installed view) takes no bucket while
// other >= side: it cannot tell which side is misconfigured, and a farm that runs must not lose clients to a newcomer.
// A serving node steps down only when other > side: a misconfigured newcomer never takes a running farm down, and a
// lone node that started first with the wrong key steps down when the real farm of two or more appears.
bool Membership::misconfiguredBlock(Nanos now) const {
    size_t side = 1, other = 0;
    for (const auto& [id, p] : peers_) {
        if (now - p.authenticatedAt <= detection())
            side++;
        else if (p.refused.count > 0 && now - p.refused.at <= detection())
            other++;
    }
    const ViewMember* me = installed_.find(config_.self);
    bool serving = me && me->state == MemberState::Ready;
    return serving ? other > side : other >= side;
}

void Membership::updateBlock(Nanos now) {
    blockCheckedAt_ = std::max(blockCheckedAt_, now);
    bool blocked = misconfiguredBlock(now);
    if (blocked == blocked_) return;
    blocked_ = blocked;
    if (blocked) counters_.misconfiguredBlocks++;
    localChange(now);  // announce it at once
}

std::vector<RefusedPeer> Membership::refusedPeers(Nanos now) const {
    std::vector<RefusedPeer> out;
    for (const auto& [id, p] : peers_) {
        const auto& r = p.refused;
        if (r.count == 0) continue;
        out.push_back(RefusedPeer{id, r.reason, r.count, (now - r.at) / std::chrono::milliseconds(1), r.versionSeen,
                                  r.bucketsSeen, now - r.at <= detection() && now - p.authenticatedAt > detection()});
    }
    return out;
}

void Membership::answer(uint8_t to, Peer& p, Nanos now) {
    if (stopped_ || now - p.lastAnswer < config_.pulse / 10) return;  // at most once per tenth of a pulse
    p.lastAnswer = now;
    sendHeartbeat(to, p, now, 0);
}

void Membership::onHeartbeat(uint8_t from, const Heartbeat& hb, Nanos now) {
    Peer& p = peers_.at(from);
    p.holdUntil = (hb.flags & kHeartbeatRestarting) ? now + config_.restartHold : Nanos{0};
    p.traffic = Traffic{hb.connections, hb.packets};
    p.mac = hb.mac;
    p.state = hb.state;
    p.weight = hb.weight;
    p.installed = hb.installed;
    maxSeqSeen_ = std::max(maxSeqSeen_, hb.installed.seq);
    // Its lease nears its end: echo it now (once per tenth of a pulse at
    // most: its requests come every fifth).
    if (hb.flags & kHeartbeatEchoRequest) answer(from, p, now);
    p.releases.clear();
    for (const auto& h : hb.heard) {  // what p heard directly: the others' suspicion
        if (h.released) p.releases.push_back(h.id);
        if (h.id == config_.self) p.hearsMeAt = std::max(p.hearsMeAt, now - std::chrono::milliseconds(h.agoMs));
        auto q = peers_.find(h.id);
        if (q == peers_.end() || !q->second.heard) continue;
        q->second.heardVia = std::max(q->second.heardVia, now - std::chrono::milliseconds(h.agoMs));
    }
    // The echo: p heard my datagram `echoSeq`, sent at `at` (by my clock),
    // and vouches for me until at + leaseSpan() (leaseUntil()).
    if (stopped_ || hb.echoIncarnation != config_.incarnation || hb.echoSeq == 0) return;
    auto at = sentTime(hb.echoSeq);
    if (!at) return;  // older than the detection time: vouches for nothing now
    for (auto& a : p.anchors)
        if (a.view == hb.installed) {
            a.at = std::max(a.at, *at);
            return;
        }
    p.anchors.push_back(Peer::Anchor{hb.installed, *at});
    if (p.anchors.size() > 4)  // the oldest views' anchors have run out or are superseded
        p.anchors.erase(std::min_element(p.anchors.begin(), p.anchors.end(),
                                         [](const auto& a, const auto& b) { return a.at < b.at; }));
}

void Membership::onPropose(uint8_t from, uint32_t inc, const View& v, Nanos now) {
    maxSeqSeen_ = std::max(maxSeqSeen_, v.id.seq);
    if (stopped_) return;
    if (v.id.coordinator != from || v.id.coordinatorIncarnation != inc) return;
    const ViewMember* me = v.find(config_.self);
    if (!me || me->incarnation != config_.incarnation) return;
    bool accepted = v.id.seq > installed_.id.seq;
    // Acking a view that leaves out a peer this node still vouches for
    // waits until that peer is let go; the coordinator asks again every
    // pulse (ackTimeout() allows for it).
    if (accepted && !releaseLeftOut(v, now)) {
        counters_.acksHeld++;
        return;
    }
    if (accepted)
        for (auto& [id, p] : peers_)
            if (!v.contains(id)) p.agreedWithout = true;  // counted on: echoes only after a newer view holds it
    Ack a{v.id, accepted, installed_.id};
    send(from, MessageType::Ack, a, now);
}

void Membership::onAck(uint8_t from, uint32_t inc, const Ack& a, Nanos now) {
    maxSeqSeen_ = std::max(maxSeqSeen_, a.installed.seq);
    if (!proposal_.active || a.proposal != proposal_.view.id) return;
    const ViewMember* m = proposal_.view.find(from);
    if (!m || m->incarnation != inc) return;
    if (!a.accepted) {  // it holds a view at or above our seq: propose above it
        proposal_.active = false;
        return;  // receive() calls coordinate() next
    }
    proposal_.acked.insert(from);
    maybeCommit(now);
}

void Membership::onCommit(const View& v, Nanos now) {
    maxSeqSeen_ = std::max(maxSeqSeen_, v.id.seq);
    if (stopped_) return;
    const ViewMember* me = v.find(config_.self);
    if (!me || me->incarnation != config_.incarnation) return;
    if (v.id > installed_.id) install(v, now);
}

void Membership::localChange(Nanos now) {
    sendHeartbeats(now);  // tell the coordinator at once, not at the next pulse
    coordinate(now);
}

void Membership::setReady(bool ready, Nanos now) {
    if (config_.ready == ready) return;
    config_.ready = ready;
    localChange(now);
}

void Membership::setWeight(uint32_t weight, Nanos now) {
    if (config_.weight == weight) return;
    config_.weight = weight;
    localChange(now);
}

void Membership::setWitness(bool reachable, Nanos now) {
    if (witnessOk_ == reachable) return;
    witnessOk_ = reachable;
    localChange(now);
}

void Membership::stop(Nanos now) {
    if (stopped_ || draining_) return;
    draining_ = true;
    localChange(now);
}

void Membership::drained(Nanos now) {
    if (stopped_) return;
    draining_ = false;
    stopped_ = true;
    proposal_.active = false;
    // Out of the farm: what the peers vouched for is over. A start() joins
    // again like a new node (a first view, no lease from before the stop).
    for (auto& [id, p] : peers_) p.anchors.clear();
    localChange(now);
}

void Membership::setTraffic(uint32_t connections, uint64_t packets) { traffic_ = Traffic{connections, packets}; }

std::map<uint8_t, Membership::Traffic> Membership::peerTraffic() const {
    std::map<uint8_t, Traffic> out;
    for (const auto& [id, p] : peers_)
        if (p.heard) out[id] = p.traffic;
    return out;
}

std::map<uint8_t, Mac> Membership::peerMacs() const {
    std::map<uint8_t, Mac> out;
    for (const auto& [id, p] : peers_)
        if (p.heard && p.mac != Mac{}) out[id] = p.mac;
    return out;
}

void Membership::restarting(Nanos now) {
    if (stopped_) return;
    restarting_ = true;  // whatever it sends until it exits says so (an echo request must not end the hold)
    for (int copy = 0; copy < 3; copy++) sendHeartbeats(now, kHeartbeatRestarting);
}

void Membership::start(Nanos now) {
    if (!stopped_ && !draining_) return;
    if (stopped_) {  // joins again as a new node: no view, no lease from before
        installed_ = View{};
        for (auto& [id, p] : peers_) p.anchors.clear();
        startedAt_ = now;  // it echoed while stopped: letGo() waits
        gathered_ = false;
    }
    stopped_ = draining_ = false;
    localChange(now);
}

uint64_t Membership::fingerprint() const {
    uint64_t h = mixIn(0, seq_);
    h = mixIn(h, maxSeqSeen_);
    h = mixIn(h, (draining_ ? 1 : 0) | (stopped_ ? 2 : 0) | (witnessOk_ ? 4 : 0) | (config_.ready ? 8 : 0) |
                     (blocked_ ? 16 : 0));
    h = mixIn(h, config_.weight);
    h = mixView(h, installed_);
    h = mixIn(h, proposal_.active);
    if (proposal_.active) {
        h = mixView(h, proposal_.view);
        for (uint8_t id : proposal_.acked) h = mixIn(h, id);
    }
    for (const auto& [id, p] : peers_) {
        h = mixIn(h, id);
        h = mixIn(h, p.window.incarnation());
        h = mixIn(h, p.window.highest());
        h = mixIn(h, static_cast<uint64_t>(p.lastHeard.count()));
        h = mixIn(h, static_cast<uint64_t>(p.holdUntil.count()));
        h = mixIn(h, static_cast<uint64_t>(p.state));
        h = mixIn(h, p.weight);
        h = mixIn(h, p.installed.seq);
        h = mixIn(h, p.excluded);
        h = mixIn(h, p.learntIncarnation);
        h = mixIn(h, p.otherBuckets);
    }
    return h;
}

}  // namespace safefarm::membership
