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
    return config_.ready && witnessOk_ ? MemberState::Ready : MemberState::NotReady;
}

bool Membership::peerAlive(const Peer& p, Nanos now) const {
    return p.heard && p.state != MemberState::Stopped &&
           (now - p.lastHeard <= config_.pulse * static_cast<int64_t>(config_.slostCount) || now <= p.holdUntil);
}

std::vector<uint8_t> Membership::alive(Nanos now) const {
    std::vector<uint8_t> out;
    if (!stopped_) out.push_back(config_.self);
    for (const auto& [id, p] : peers_)
        if (peerAlive(p, now)) out.push_back(id);
    std::sort(out.begin(), out.end());
    return out;
}

bool Membership::lanUp(uint8_t peer, uint8_t lan) const {
    auto it = peers_.find(peer);
    return it != peers_.end() && lan < it->second.lanUp.size() && it->second.lanUp[lan];
}

bool Membership::quorate(const View& v) const {
    if (config_.quorum == QuorumPolicy::None) return true;
    size_t n = config_.nodes.size();
    size_t have = v.members.size();
    if (2 * have > n) return true;
    if (2 * have < n || n == 0) return false;
    uint8_t lowest = *std::min_element(config_.nodes.begin(), config_.nodes.end());
    return v.contains(lowest);
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
        if (p.excluded && p.lastHeard <= p.excludedAt) continue;
        out.push_back(ViewMember{id, p.window.incarnation(), p.weight, p.state});
    }
    out.push_back(ViewMember{config_.self, config_.incarnation, config_.weight, announcedState()});
    std::sort(out.begin(), out.end(), [](const ViewMember& a, const ViewMember& b) { return a.id < b.id; });
    return out;
}

void Membership::send(uint8_t to, MessageType type, const std::variant<Heartbeat, Ack, View>& body) {
    for (uint8_t lan = 0; lan < config_.lans; lan++) {
        Message m;
        m.header = Header{type, config_.self, lan, config_.incarnation, ++seq_};
        m.body = body;
        out_.push_back(Datagram{lan, to, encode(m, mac_)});
        counters_.sent++;
    }
}

void Membership::sendHeartbeats(Nanos) {
    Heartbeat hb{announcedState(), 0, config_.weight, installed_.id, traffic_.connections, traffic_.packets, dataMac_};
    for (const auto& [id, p] : peers_) send(id, MessageType::Heartbeat, hb);
}

void Membership::tick(Nanos now) {
    if (now - startedAt_ >= config_.pulse * static_cast<int64_t>(kGatherPulses)) gathered_ = true;
    if (now >= nextHeartbeat_) {
        sendHeartbeats(now);
        nextHeartbeat_ = std::max(nextHeartbeat_ + config_.pulse, now + config_.pulse / 2);
    }
    for (auto& [id, p] : peers_) {
        for (uint8_t lan = 0; lan < config_.lans; lan++) {
            bool up = p.heard && now - p.lastHeardLan[lan] <= config_.pulse * static_cast<int64_t>(config_.mlostCount);
            if (up != p.lanUp[lan]) (up ? counters_.lanUp : counters_.lanDown)++;
            p.lanUp[lan] = up;
        }
        bool alive = peerAlive(p, now);
        if (!alive && p.heard && !p.declaredDead) {
            p.declaredDead = true;
            counters_.peerDeaths++;
        }
    }
    coordinate(now);
}

Nanos Membership::nextWakeup() const {
    Nanos next = nextHeartbeat_;
    if (!gathered_) next = std::min(next, startedAt_ + config_.pulse * static_cast<int64_t>(kGatherPulses));
    for (const auto& [id, p] : peers_) {
        if (!p.heard) continue;
        Nanos death =
            std::max(p.lastHeard + config_.pulse * static_cast<int64_t>(config_.slostCount), p.holdUntil) + Nanos{1};
        if (!p.declaredDead && p.state != MemberState::Stopped) next = std::min(next, death);
    }
    if (proposal_.active) {
        next = std::min(next, proposal_.sentAt + config_.pulse * static_cast<int64_t>(config_.ackTimeoutPulses));
        next = std::min(next, proposal_.lastSent + config_.pulse);
    }
    return next;
}

void Membership::coordinate(Nanos now) {
    if (!isCoordinator(now)) {
        proposal_.active = false;
        return;
    }
    auto desired = desiredMembers(now);
    if (proposal_.active) {
        if (proposal_.view.members == desired) {
            if (now - proposal_.sentAt < config_.pulse * static_cast<int64_t>(config_.ackTimeoutPulses)) {
                if (now - proposal_.lastSent >= config_.pulse) {  // resend to those who have not acked
                    proposal_.lastSent = now;
                    for (const auto& m : proposal_.view.members)
                        if (!proposal_.acked.count(m.id)) send(m.id, MessageType::Propose, proposal_.view);
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
        proposal_.active = false;
    }
    bool behind = false;  // someone holds a newer view than ours
    for (const auto& m : desired)
        if (m.id != config_.self && peers_.at(m.id).installed > installed_.id) behind = true;
    if (installed_.members == desired && !behind) {
        // Our view is right: make sure every member holds it (a lost Commit).
        for (const auto& m : desired) {
            if (m.id == config_.self) continue;
            Peer& p = peers_.at(m.id);
            if (p.installed != installed_.id && now - p.lastCommitSent >= config_.pulse) {
                p.lastCommitSent = now;
                send(m.id, MessageType::Commit, installed_);
            }
        }
        return;
    }
    propose(std::move(desired), now);
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
        if (m.id != config_.self) send(m.id, MessageType::Propose, proposal_.view);
    if (proposal_.acked.size() == proposal_.view.members.size()) commitProposal(now);
}

void Membership::commitProposal(Nanos now) {
    proposal_.active = false;
    counters_.commits++;
    install(proposal_.view);
    for (const auto& m : installed_.members) {
        if (m.id == config_.self) continue;
        peers_.at(m.id).lastCommitSent = now;
        send(m.id, MessageType::Commit, installed_);
    }
}

void Membership::install(const View& v) {
    installed_ = v;
    maxSeqSeen_ = std::max(maxSeqSeen_, v.id.seq);
    counters_.installs++;
    committed_.push_back(v);
}

void Membership::receive(uint8_t lan, std::span<const uint8_t> bytes, Nanos now) {
    counters_.received++;
    Decoded d = decode(bytes, mac_);
    if (!d.ok) {
        switch (d.error) {
            case DecodeError::Truncated: counters_.truncated++; break;
            case DecodeError::BadMagic: counters_.badMagic++; break;
            case DecodeError::BadVersion: counters_.badVersion++; break;
            case DecodeError::BadLength: counters_.badLength++; break;
            case DecodeError::BadMac: counters_.forged++; break;
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
    switch (p.window.check(h.incarnation, h.seq)) {
        case Freshness::Replayed: counters_.replayed++; return;
        case Freshness::Stale: counters_.stale++; return;
        case Freshness::Fresh: break;
    }
    if (lan >= config_.lans) lan = 0;
    bool newIncarnation = !p.window.known() || h.incarnation != p.window.incarnation();
    p.window.accept(h.incarnation, h.seq);
    counters_.accepted++;
    if (newIncarnation) {  // a new life: forget what the old one said
        p.state = MemberState::NotReady;
        p.weight = 0;
        p.installed = ViewId{};
        p.excluded = false;
        p.heard = false;
    }
    p.heard = true;
    p.declaredDead = false;
    p.lastHeard = now;
    p.lastHeardLan[lan] = now;
    if (!p.lanUp[lan]) {
        p.lanUp[lan] = true;
        counters_.lanUp++;
    }
    if (const auto* hb = std::get_if<Heartbeat>(&d.message.body)) {
        onHeartbeat(h.sender, *hb, now);
    } else if (const auto* ack = std::get_if<Ack>(&d.message.body)) {
        onAck(h.sender, h.incarnation, *ack, now);
    } else if (h.type == MessageType::Propose) {
        onPropose(h.sender, h.incarnation, std::get<View>(d.message.body));
    } else {
        onCommit(std::get<View>(d.message.body));
    }
    coordinate(now);
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
}

void Membership::onPropose(uint8_t from, uint32_t inc, const View& v) {
    maxSeqSeen_ = std::max(maxSeqSeen_, v.id.seq);
    if (stopped_) return;
    if (v.id.coordinator != from || v.id.coordinatorIncarnation != inc) return;
    const ViewMember* me = v.find(config_.self);
    if (!me || me->incarnation != config_.incarnation) return;
    Ack a{v.id, v.id.seq > installed_.id.seq, installed_.id};
    send(from, MessageType::Ack, a);
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
    if (proposal_.acked.size() == proposal_.view.members.size()) commitProposal(now);
}

void Membership::onCommit(const View& v) {
    maxSeqSeen_ = std::max(maxSeqSeen_, v.id.seq);
    if (stopped_) return;
    const ViewMember* me = v.find(config_.self);
    if (!me || me->incarnation != config_.incarnation) return;
    if (v.id > installed_.id) install(v);
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

void Membership::restarting(Nanos) {
    if (stopped_) return;
    Heartbeat hb{announcedState(), kHeartbeatRestarting, config_.weight, installed_.id, traffic_.connections,
                 traffic_.packets, dataMac_};
    for (int copy = 0; copy < 3; copy++)
        for (const auto& [id, p] : peers_) send(id, MessageType::Heartbeat, hb);
}

void Membership::start(Nanos now) {
    if (!stopped_ && !draining_) return;
    stopped_ = draining_ = false;
    localChange(now);
}

uint64_t Membership::fingerprint() const {
    uint64_t h = mixIn(0, seq_);
    h = mixIn(h, maxSeqSeen_);
    h = mixIn(h, (draining_ ? 1 : 0) | (stopped_ ? 2 : 0) | (witnessOk_ ? 4 : 0) | (config_.ready ? 8 : 0));
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
    }
    return h;
}

}  // namespace safefarm::membership
