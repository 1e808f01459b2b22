#include "module/Module.h"

#include "app/ScriptEnv.h"
#include "common/FileModes.h"

#include "farm_hash.h"

#include <netinet/in.h>

#include <algorithm>
#include <utility>
#include <cstdio>
#include <fstream>

#include <boost/asio/post.hpp>

namespace safefarm::module {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

namespace {

nanoseconds monotonic() {
    return std::chrono::duration_cast<nanoseconds>(std::chrono::steady_clock::now().time_since_epoch());
}

// The IPv6 VIP lives on lo: on the farm interface the node's own neighbour
// solicitations, sent from the VIP, would point clients at its real MAC
// (found by the filter lab test; README "IPv6 VIP on lo"). The XDP filter
// answers neighbour solicitations for it on the farm interface.
std::string vipDevice(const FarmPlan& plan, const IpAddr& vip) { return vip.family == AF_INET6 ? "lo" : plan.ifname; }

}  // namespace

Module::Module(ModuleDeps deps, ModulePaths paths, std::shared_ptr<const config::ModuleConfig> config, FarmPlan plan,
               std::array<uint64_t, 2> hashKey, ModuleTiming timing)
    : deps_(std::move(deps)),
      paths_(std::move(paths)),
      config_(std::move(config)),
      plan_(std::move(plan)),
      hashKey_(hashKey),
      timing_(timing),
      recovery_(config_->service.maxloop, config_->service.loopInterval),
      pulseTimer_(deps_.io) {}

Module::~Module() {
    *alive_ = false;
    pulseTimer_.cancel();
}

nanoseconds Module::now() const { return monotonic(); }

// The data path's lease deadline at t: the membership's (confirmed by the
// peers, docs/design.md "Leases"; with quorum none, capped by this agent's
// own stall guard), or what the previous agent was granted at a restart
// while that lasts.
nanoseconds Module::leaseDeadline(nanoseconds t) const {
    nanoseconds until = membership_ ? membership_->leaseUntil() : 0ns;
    if (!config_->farm.peerLeases()) until = std::min(until, t + timing_.lease);
    if (grantUntil_ > t) until = std::max(until, grantUntil_);
    return until;
}

void Module::setState(ModuleState s, const std::string& why) {
    if (s != state_)
        deps_.log('I', "SF_MODULE_STATE",
                  paths_.name + ": " + stateName(state_) + " -> " + stateName(s) + (why.empty() ? "" : " (" + why + ")"));
    state_ = s;
    reason_ = why;
}

// --- start ---------------------------------------------------------------

void Module::start(Done done) {
    if (state_ != ModuleState::Stop || activity_ != Activity::Idle) {
        done(badInput(paths_.name + " is already started (" + stateName(state_) + ")"));
        return;
    }
    activity_ = Activity::Starting;
    if (auto r = setUp(); !r) {
        deps_.log('E', "SF_MODULE_START_FAILED", paths_.name + ": start failed: " + r.error().message());
        tearDown();
        activity_ = Activity::Idle;
        setState(ModuleState::Stop, "start failed: " + r.error().message());
        done(r.error());
        return;
    }
    setState(ModuleState::Wait, "started");
    markRunning(true);
    startDone_ = std::move(done);
    runStartBoth();
}

// Everything the node needs before it may serve, in an order that lets the
// XDP filter fence the VIP before the kernel starts accepting it; undone by
// tearDown() whatever step failed.
Result<void> Module::setUp() {
    auto link = deps_.net.link(plan_.ifname);
    if (!link) return link.error();
    myMac_ = link->mac;

    auto old = deps_.net.setSysctl("net/ipv4/conf/" + plan_.ifname + "/arp_announce", "2");
    if (!old) return old.error();
    oldArpAnnounce_ = old.value();

    // vmac_directed has no vMAC: frames come to each node's own MAC.
    if (plan_.mode == FARM_MODE_VMAC_INVISIBLE) {
        if (auto r = deps_.net.addUnicastMac(plan_.ifname, plan_.vmac); !r) return r.error();
        vmacAdded_ = true;
    }

    auto dp = deps_.openDataPath();
    if (!dp) return dp.error();
    dataPath_ = std::move(dp.value());
    epoch_ = dataPath_->installedEpoch();
    table_.clear();
    tableFromView_ = false;
    view_.reset();
    install(false);  // owns nothing until a view says otherwise
    if (dataPath_->installedEpoch() == 0) return badInput("the data path refused the first epoch");

    for (const auto& vip : plan_.vips) {
        if (auto r = deps_.net.addAddress(vipDevice(plan_, vip), vip); !r) return r.error();
        addedVips_.push_back(vip);
        deps_.log('I', "SF_NET_VIP", paths_.name + ": " + formatIp(vip) + " on " + vipDevice(plan_, vip));
    }

    membership_ = deps_.makeMembership();
    membership_->setMac(myMac_);
    membership_->onEvent([this, alive = alive_] {
        if (*alive) onMembershipEvent();
    });
    auto alive = alive_;
    auto r = membership_->join(false, [this, alive](const membership::View& v, bool quorate) {
        if (*alive) onView(v, quorate);
    });
    if (!r) return r.error();
    leaseAllowed_ = true;
    lastPulse_ = now();
    armPulse();
    return success();
}

void Module::tearDown() {
    pulseTimer_.cancel();
    markRunning(false);
    if (membership_ && membership_->joined()) membership_->leave();
    for (auto it = addedVips_.rbegin(); it != addedVips_.rend(); ++it)
        if (auto r = deps_.net.removeAddress(vipDevice(plan_, *it), *it); !r)
            deps_.log('W', "SF_NET_VIP", paths_.name + ": " + r.error().message());
    addedVips_.clear();
    if (dataPath_) {
        (void)dataPath_->renewLease(0ns);
        dataPath_.reset();
        if (auto r = deps_.removeDataPath(); !r) deps_.log('W', "SF_DATAPATH", paths_.name + ": " + r.error().message());
    }
    if (vmacAdded_) {
        if (auto r = deps_.net.removeUnicastMac(plan_.ifname, plan_.vmac); !r)
            deps_.log('W', "SF_NET_VMAC", paths_.name + ": " + r.error().message());
        vmacAdded_ = false;
    }
    if (oldArpAnnounce_) {
        (void)deps_.net.setSysctl("net/ipv4/conf/" + plan_.ifname + "/arp_announce", *oldArpAnnounce_);
        oldArpAnnounce_.reset();
    }
    view_.reset();
    table_.clear();
    peerMacs_.clear();
    leaseAllowed_ = false;
}

// SafeKit's environment for the module's scripts, as app::scriptEnv builds
// it for the checkers too.
std::vector<std::pair<std::string, std::string>> Module::scriptEnv() const {
    return app::scriptEnv(app::ScriptPaths{paths_.safeDir, paths_.safeDir, paths_.safeVar, paths_.name, paths_.dir,
                                           paths_.varDir},
                          *config_);
}

void Module::runStartBoth() {
    activity_ = Activity::StartingApp;
    deps_.log('I', "SF_SCRIPT_START", paths_.name + ": start_both");
    // SafeKit bounds no start_both; a hanging one must not hold the module
    // in WAIT for ever, so it gets the same bound as a graceful stop.
    app::ScriptRun run{paths_.dir + "/bin/start_both", {}, scriptEnv(), config_->user.nicestoptimeout};
    auto alive = alive_;
    deps_.scripts.run(run, [this, alive](app::ScriptOutcome o) {
        if (*alive) onStartBoth(o);
    });
}

void Module::countScript(const std::string& script, bool ok) {
    auto& c = scriptCounts_[script];
    c.runs++;
    c.failures += !ok;
}

void Module::onStartBoth(const app::ScriptOutcome& o) {
    bool ok = !o.notStarted && !o.timedOut && o.exitCode == 0;
    countScript("start_both", ok);
    deps_.log(ok ? 'I' : 'E', "SF_SCRIPT_END",
              paths_.name + ": start_both " + (ok ? "succeeded" : "failed") +
                  (o.timedOut ? " (timed out)" : o.notStarted ? " (" + o.error + ")"
                                                               : " (exit " + std::to_string(o.exitCode) + ")"));
    auto done = std::exchange(startDone_, nullptr);
    if (stopping_) {  // a stop came in while start_both ran: it takes over
        if (done) done(badInput("stopped while starting"));
        return;
    }
    if (!ok) {
        appRunning_ = true;  // whatever it left running is stopped by stop_both force
        activity_ = Activity::Idle;
        fail("start_both failed");
        if (done) done(badInput(paths_.name + ": start_both failed"));
        return;
    }
    appRunning_ = true;
    activity_ = Activity::Idle;
    recovering_ = false;
    startCheckers();
    if (!linkDown_) membership_->setReady(true);  // UP when a committed view gives this node its buckets
    maybeUp();
    if (done) done(success());
}

// --- views, epochs, lease ------------------------------------------------

// SF_NODE_JOINED / SF_NODE_LOST for what an operator alerts on: a node in
// the new view that was not in the previous one (or came back as a new
// incarnation: it restarted), and one that is no longer in it (after its
// drain: it left; otherwise it was no longer heard). This node's own first
// view says nothing: the others did not join, it did.
void Module::logMembershipChanges(const membership::View& before, const membership::View& after) {
    auto nameOf = [this](uint8_t id) {
        for (const auto& n : plan_.nodes)
            if (n.id == id) return n.name + " (id " + std::to_string(id) + ")";
        return "node " + std::to_string(id);
    };
    for (const auto& m : before.members) {
        if (m.id == plan_.self || after.contains(m.id)) continue;
        deps_.log(m.state == membership::MemberState::Draining ? 'I' : 'W', "SF_NODE_LOST",
                  paths_.name + ": " + nameOf(m.id) +
                      (m.state == membership::MemberState::Draining ? " left the farm after its drain"
                                                                    : " is no longer heard: out of the farm") +
                      " (view " + after.describe() + ")");
    }
    for (const auto& m : after.members) {
        if (m.id == plan_.self) continue;
        const auto* old = before.find(m.id);
        if (old && old->incarnation == m.incarnation) continue;
        deps_.log('I', "SF_NODE_JOINED",
                  paths_.name + ": " + nameOf(m.id) + (old ? " restarted and joined again" : " joined the farm") +
                      " (view " + after.describe() + ")");
    }
}

void Module::onView(const membership::View& view, bool quorate) {
    if (!dataPath_) return;
    bool member = view.contains(plan_.self);
    if (frozenAt_ && member && view.id > *frozenAt_) {
        deps_.log('I', "SF_LEASE", paths_.name + ": taken back in by view " + view.describe() + ", lease renewed again");
        frozenAt_.reset();
        if (std::exchange(readyAfterFence_, false) && appRunning_ && !recovering_ && !stopping_ && !linkDown_) {
            if (checkersPass()) membership_->setReady(true);
        }
    }
    bool memberLeft = view_ && std::any_of(view_->members.begin(), view_->members.end(), [&](const auto& m) {
                          return !view.contains(m.id);
                      });
    if (view_) logMembershipChanges(*view_, view);
    view_ = view;
    quorate_ = quorate;
    viewChanges_++;
    // Let go meanwhile (the lease ran out before this view): the table held
    // is stale, the others may serve any of its buckets: take them as a
    // joining node does (install()). Not within a restart's grant: the peers
    // held this node (restartHold), nobody took its buckets.
    if (!membership_->leaseHeldAtInstall() && grantUntil_ <= now()) tableFromView_ = false;
    deps_.log('I', "SF_VIEW_COMMITTED", paths_.name + ": view " + view.describe() + (quorate ? "" : " (no quorum)"));
    install(true);
    leaseAllowed_ = member && !frozenAt_;
    if (leaseAllowed_) renewLease(now());

    maybeUp();
    // UP: the reason shown by `safectl state -l` follows the view in force.
    if (state_ == ModuleState::Up)
        reason_ = "view " + view.describe() + ", " + std::to_string(bucketsOwned(table_, plan_.self)) + " buckets";
    announce(memberLeft);
}

void Module::linkChanged(const std::string& ifname, bool up) {
    if (ifname != plan_.ifname || config_->vip.interfaces.empty() || !config_->vip.interfaces[0].check) return;
    if (!membership_ || state_ == ModuleState::Stop) return;
    if (up ? (!linkDown_ || linkSettleAt_ != 0ns) : (linkDown_ && linkSettleAt_ == 0ns)) return;
    if (!up) {
        linkDown_ = true;
        linkSettleAt_ = 0ns;
        deps_.log('W', "SF_CHECK_FAILED", paths_.name + ": interface " + ifname + " is down: owning no bucket");
        membership_->setReady(false);
        setState(ModuleState::Wait, "interface " + ifname + " down");
        return;
    }
    // Back up: still owning nothing until the peers have been heard. Cut
    // off, this node formed a view of its own; ready at once, that view
    // would give it every bucket until the others' view reaches it, and it
    // would answer their clients meanwhile (duplicate SYN-ACKs, resets, and
    // half-open connections that fill its SYN queue). The pulse clears
    // linkDown_ when linkSettle is over.
    linkSettleAt_ = now() + timing_.linkSettle;
    deps_.log('I', "SF_CHECK_FAILED",
              paths_.name + ": interface " + ifname + " is up again: ready in " +
                  std::to_string(timing_.linkSettle / 1ms) + " ms, once the peers are heard");
}

bool Module::checkersPass() const {
    return std::none_of(failing_.begin(), failing_.end(), [](const auto& kv) { return kv.second; });
}

void Module::linkSettled() {
    linkSettleAt_ = 0ns;
    linkDown_ = false;
    if (appRunning_ && !recovering_ && !stopping_) {
        if (checkersPass()) membership_->setReady(true);
        maybeUp();
    }
}

// WAIT -> UP once the application runs, no checker fails and the view in
// force has this node ready (whichever came last).
void Module::maybeUp() {
    if (state_ != ModuleState::Wait || !appRunning_ || stopping_ || recovering_ || linkDown_ || !view_) return;
    if (!checkersPass()) return;
    const auto* me = view_->find(plan_.self);
    if (!me || me->state != membership::MemberState::Ready) return;
    setState(ModuleState::Up, "view " + view_->describe() + ", " + std::to_string(bucketsOwned(table_, plan_.self)) +
                                  " buckets");
}

// Installs the epoch of the current view (none: owning nothing). While a
// bucket's old owner lives it drains for joinDrain; the pulse installs the
// plain table once that is over.
void Module::install(bool drain, bool keepTable) {
    EpochInputs in;
    in.plan = &plan_;
    if (view_) in.view = *view_;
    in.quorate = quorate_;
    in.myMac = myMac_;
    in.peerMacs = peerMacs_;
    in.hashKey = hashKey_;
    in.previous = table_;
    // This node's first view (a start, or a resume after its lease ran
    // out): what the others hold is the view without this node. The first
    // view may already have it ready (the coordinator's own join, a resume),
    // and its buckets must still come in transition: taken outright, it
    // answered the others' connections in them with resets.
    // After a lapse of the lease (table_ not empty): the buckets the view
    // gives this node come from the others as for a joiner (they may have
    // served them), the ones it moves away still leave from this node, which
    // keeps the flows it holds in them (a draining node whose lease lapsed
    // for a moment lost them, and the others reset them at its leave).
    if (!keepTable && !tableFromView_ && view_ && view_->contains(plan_.self)) {
        auto others = membership::othersBuckets(*view_, plan_.self, quorate_, plan_.hosts);
        if (table_.size() == others.size()) {
            auto want = viewBuckets(plan_, *view_, quorate_);
            for (size_t b = 0; b < others.size(); b++)
                if (want[b].owner != plan_.self) others[b] = table_[b];
        }
        in.previous = std::move(others);
    }
    in.drain = drain;
    in.keepTable = keepTable;
    if (view_ && membership_) {
        membership::ViewId id = view_->id;
        in.holdsView = [this, id](uint8_t peer) { return membership_->peerHolds(peer, id); };
    }
    in.epoch = ++epoch_;
    EpochSpec spec = buildEpoch(in);
    if (auto r = dataPath_->install(spec); !r) {
        deps_.log('E', "SF_DATAPATH", paths_.name + ": installing epoch " + std::to_string(spec.epoch) + ": " +
                                          r.error().message());
        return;
    }
    table_ = spec.buckets;
    if (view_) tableFromView_ = true;
    if (keepTable) return;
    uint32_t held = bucketsHeld(in, table_);
    if (held && !heldBuckets_)
        deps_.log('I', "SF_DRAIN", paths_.name + ": " + std::to_string(held) +
                                       " buckets wait until their owner installs view " + view_->describe());
    heldBuckets_ = held;
    uint32_t moving = bucketsInTransition(table_);
    drainUntil_ = moving ? now() + timing_.joinDrain : 0ns;
    if (moving)
        deps_.log('I', "SF_DRAIN", paths_.name + ": " + std::to_string(moving) + " buckets drain to their new owners");
}

// vmac_directed: an entry node relays to a bucket's owner at the MAC the
// owner's heartbeats carry. A MAC heard for the first time (or changed: a
// new NIC) goes into the data path at once, with the table as it is.
void Module::refreshPeerMacs() {
    auto macs = membership_->peerMacs();
    if (macs == peerMacs_ || !dataPath_) return;
    for (const auto& [id, mac] : macs) {
        auto it = peerMacs_.find(id);
        if (it == peerMacs_.end() || it->second != mac) {
            const auto* n = plan_.node(id);
            deps_.log('I', "SF_PEER_MAC",
                      paths_.name + ": " + (n ? n->name : "node " + std::to_string(id)) + " is at " + formatMac(mac));
        }
    }
    peerMacs_ = std::move(macs);
    install(false, true);
}

// A peer with another cluster key or version: said in the module log once
// a minute per peer, and when this node stops or resumes taking buckets
// because of them (docs/design.md "Misconfigured peers").
void Module::reportRefusedPeers(nanoseconds t) {
    if (!membership_) return;
    for (const auto& line :
         refusedReport_.update(membership_->refusedPeers(), membership_->blockedByMisconfiguredPeers(), plan_,
                               paths_.name, t))
        deps_.log('W', "SF_PEER_REFUSED", line);
}

// The hardware address the VIP is announced at.
const Mac& Module::announcedMac() const { return plan_.mode == FARM_MODE_VMAC_DIRECTED ? myMac_ : plan_.vmac; }

// After every datagram or tick of the membership: the lease follows the
// echoes at once (not at the next pulse), and buckets held for a member are
// taken as soon as every member holds the view (docs/design.md "Handoffs").
void Module::onMembershipEvent() {
    if (!dataPath_) return;
    if (leaseAllowed_) renewLease(now());
    if (!heldBuckets_ || !view_) return;
    for (const auto& m : view_->members)
        if (m.id != plan_.self && !membership_->peerHolds(m.id, view_->id)) return;
    install(true);
}

void Module::renewLease(nanoseconds t) {
    leaseWritten_ = leaseDeadline(t);
    (void)dataPath_->renewLease(leaseWritten_);
}

void Module::armPulse() {
    pulseTimer_.expires_after(timing_.pulse);
    auto alive = alive_;
    pulseTimer_.async_wait([this, alive](const boost::system::error_code& ec) {
        if (!ec && *alive) pulse();
    });
}

void Module::pulse() {
    if (!dataPath_) return;
    nanoseconds t = now();
    reportRefusedPeers(t);
    // A freeze (SIGSTOP, a stalled VM) longer than the lease: the others may
    // have taken this node's buckets already. Fence now and wait for a view
    // newer than the one held. If the stall was shorter than their detection
    // time, they never saw this node leave and no newer view would come:
    // announcing NotReady makes the coordinator commit one (taken back in,
    // onView announces Ready again). Without it the node stayed fenced until
    // some other change, seconds or forever.
    if (leaseAllowed_ && t - lastPulse_ > timing_.lease && !config_->farm.peerLeases()) {
        (void)dataPath_->renewLease(0ns);
        frozenAt_ = view_ ? view_->id : membership::ViewId{};
        leaseAllowed_ = false;
        if (membership_) {
            membership_->setReady(false);
            readyAfterFence_ = true;
        }
        deps_.log('W', "SF_LEASE",
                  paths_.name + ": agent stalled " + std::to_string((t - lastPulse_) / 1ms) +
                      " ms, longer than the lease: fenced until a newer view takes this node back");
    }
    // With leases confirmed by the peers a stall needs no view change: the
    // data path's deadline ran out on its own, and the lease comes back only
    // with echoes under a view not newer than this node's (docs/design.md
    // "Leases"): at once if nobody let this node go, after the view that
    // takes it back otherwise.
    bool lapsed = leaseAllowed_ && config_->farm.peerLeases() && leaseWritten_ != 0ns && t > leaseWritten_ + 1ms;
    if (lapsed && !std::exchange(leaseLapsed_, true))
        deps_.log('W', "SF_LEASE",
                  paths_.name + ": the lease ran out " + std::to_string((t - leaseWritten_) / 1ms) +
                      " ms ago (pulse " + std::to_string((t - lastPulse_) / 1ms) +
                      " ms after the last one): no echo from enough peers, or this agent was late");
    lastPulse_ = t;
    if (leaseAllowed_) renewLease(t);
    if (leaseLapsed_ && leaseWritten_ > t) {
        leaseLapsed_ = false;
        deps_.log('I', "SF_LEASE", paths_.name + ": the peers confirm the lease again");
    }

    if (linkSettleAt_ != 0ns && t >= linkSettleAt_ && membership_) linkSettled();
    if (plan_.mode == FARM_MODE_VMAC_DIRECTED && membership_) refreshPeerMacs();
    if (drainUntil_ != 0ns && t >= drainUntil_ && !stopping_) {
        drainUntil_ = 0ns;
        install(false);
        deps_.log('I', "SF_DRAIN", paths_.name + ": transitions over");
    }
    // Drain until the view that moves this node's buckets away is in force
    // and no flow is left in them (or nicestoptimeout).
    const auto* me = view_ ? view_->find(plan_.self) : nullptr;
    bool moved = !me || me->state == membership::MemberState::Draining;
    if (stopping_ && activity_ == Activity::Draining && moved && drainStartNs_ == UINT64_MAX / 2)
        drainStartNs_ = static_cast<uint64_t>(t.count());
    // The traffic (16384 bucket counters per CPU; the flow table, up to
    // 131072 entries, ~65 ms on a busy node) is read off this thread, once a
    // second, the flows every flowCount and every drainCheck of a drain (it
    // held the heartbeat through a whole drain: leases ran out); onTraffic
    // hands it to the heartbeats and decides the drain. The first
    // drainGrace always counts as busy: no scan is needed then.
    bool drainDue = stopping_ && activity_ == Activity::Draining && moved && t >= nextDrainCheck_ &&
                    static_cast<uint64_t>(t.count()) >= drainStartNs_ + static_cast<uint64_t>(timing_.drainGrace.count());
    if (stopping_ && activity_ == Activity::Draining && t >= stopDeadline_) {
        drained(" (nicestoptimeout, " + std::to_string(drainLeft_) + " flows left at the last check)");
    } else if (!scanning_ && (drainDue || t >= nextTraffic_ || t >= nextFlowCount_)) {
        if (drainDue) nextDrainCheck_ = t + std::max(timing_.pulse, timing_.drainCheck);
        nextTraffic_ = t + 1s;
        scanTraffic(drainDue || t >= nextFlowCount_);
    }
    if (announceUntil_ != 0ns && t >= nextAnnounce_) {
        const auto& intf = config_->vip.interfaces[0];
        for (const auto& vip : plan_.vips) {
            auto r = vip.family == AF_INET ? deps_.announcer.gratuitousArp(plan_.ifname, vip, announcedMac())
                                           : deps_.announcer.unsolicitedNa(plan_.ifname, vip, announcedMac());
            if (!r) deps_.log('W', "SF_NET_ANNOUNCE", paths_.name + ": " + r.error().message());
        }
        nextAnnounce_ = t + std::max<nanoseconds>(intf.arpinterval, timing_.pulse);
        if (t >= announceUntil_) announceUntil_ = 0ns;
    }
    armPulse();
}

// arpreroute: tell the switch and the clients where the VIP is after every
// view change (a switch that learnt the vMAC on one port would otherwise
// keep sending there). Announcing is the designated node's job only, so a
// client never sees several answers at once. In vmac_directed the VIP is at
// each entry node's own MAC: announcing moves every client to the
// designated node, so only a member that left (whose clients send to a MAC
// nobody serves) is worth it; the ARP rule spreads them again as their
// caches expire.
void Module::announce(bool memberLeft) {
    const auto& intf = config_->vip.interfaces[0];
    if (!intf.arpreroute) return;
    if (plan_.mode == FARM_MODE_VMAC_DIRECTED && !memberLeft) return;
    // The designated node of the view (its lowest owning member), not of the
    // table in force: buckets held for a member that has not installed the
    // view yet still name their old owner, a node that may be gone, and
    // nobody announced (lab_farm_directed: every client left on a dead
    // node's MAC).
    uint8_t designated = FARM_NODE_NONE;
    if (view_)
        for (const auto& b : viewBuckets(plan_, *view_, quorate_))
            if (b.owner != FARM_NODE_NONE && b.owner < designated) designated = b.owner;
    if (designated != plan_.self) {
        announceUntil_ = 0ns;
        return;
    }
    nextAnnounce_ = now();
    announceUntil_ = now() + std::max<nanoseconds>(intf.arpelapse, timing_.pulse);
}

// Own flows in buckets that now drain to another node: what a graceful stop
// waits for. In steady state the filter does not touch a flow's last_seen
// (no lookup on that path), so a flow shows it is alive only by a packet
// after its bucket entered the transition. A flow counts while it carried a
// packet in the last flowIdle and saw no FIN or RST; the first drainGrace
// of the drain always counts as busy, so a slow client (a full receive
// window, a think time) has time to send one. `at`: when the scan began.
uint32_t Module::drainingFlows(const std::vector<FlowEntry>& flows, nanoseconds at) const {
    uint64_t t = static_cast<uint64_t>(at.count());
    uint64_t grace = static_cast<uint64_t>(timing_.drainGrace.count());
    uint64_t idle = static_cast<uint64_t>(timing_.flowIdle.count());
    if (t < drainStartNs_ + grace) return 1;
    uint32_t n = 0;
    for (const auto& f : flows) {
        if (f.flow.kind != FARM_FLOW_OWN || f.flow.flags) continue;
        if (f.flow.bucket >= table_.size()) continue;
        const auto& b = table_[f.flow.bucket];
        if (!(b.flags & FARM_BUCKET_TRANSITION) || b.prev_owner != plan_.self) continue;
        if (f.flow.last_seen_ns < drainStartNs_ || f.flow.last_seen_ns + idle < t) continue;
        n++;
    }
    return n;
}

// The drain is over (no flow left, or nicestoptimeout): stop_both.
void Module::drained(const std::string& how) {
    deps_.log('I', "SF_DRAIN", paths_.name + ": drained" + how);
    auto alive = alive_;
    runStopBoth(false, [this, alive] {
        if (*alive) finishStop();
    });
}

// The traffic is read on deps_.offload's thread through a reader of its own
// (it outlives a data path closed meanwhile); the result comes back here on
// the modules' thread, where a module destroyed meanwhile ignores it.
void Module::scanTraffic(bool withFlows) {
    if (!dataPath_ || scanning_) return;
    scanning_ = true;
    auto reader = dataPath_->trafficReader();
    auto alive = alive_;
    nanoseconds at = now();
    auto& io = deps_.io;
    auto job = [this, alive, reader, at, withFlows, &io] {
        TrafficScan scan{reader->bucketPackets(), std::nullopt};
        if (withFlows) scan.flows = reader->flows();
        boost::asio::post(io, [this, alive, at, scan = std::move(scan)] {
            if (*alive) onTraffic(scan, at);
        });
    };
    deps_.offload(std::move(job));
}

void Module::onTraffic(const TrafficScan& scan, nanoseconds at) {
    scanning_ = false;
    const Error* failed = !scan.packets ? &scan.packets.error() : nullptr;
    if (scan.packets) packets_ = scan.packets.value();
    if (scan.flows) {
        nextFlowCount_ = at + timing_.flowCount;
        if (*scan.flows) flowCount_ = static_cast<uint32_t>(scan.flows->value().size());
        else failed = &scan.flows->error();
    }
    if (failed) {  // said once, until a scan succeeds again
        if (!std::exchange(scanFailing_, true))
            deps_.log('W', "SF_DATAPATH", paths_.name + ": reading the traffic: " + failed->message());
    } else {
        scanFailing_ = false;
    }
    if (membership_) {
        auto local = localTraffic();
        membership_->setTraffic(local.connections, local.packets);
    }
    if (!scan.flows || !*scan.flows || !dataPath_ || !stopping_ || activity_ != Activity::Draining ||
        drainStartNs_ == UINT64_MAX / 2)
        return;
    drainLeft_ = drainingFlows(scan.flows->value(), at);
    if (drainLeft_ == 0) drained(" (no flow left)");
}

// --- stop ----------------------------------------------------------------

void Module::stop(bool force, Done done) {
    if (state_ == ModuleState::Stop && activity_ == Activity::Idle) {
        done(success());
        return;
    }
    if (stopping_) {
        done(badInput(paths_.name + " is already stopping"));
        return;
    }
    stopping_ = true;
    stopDone_ = std::move(done);
    deps_.log('I', "SF_MODULE_STOP", paths_.name + (force ? ": forced stop" : ": stop"));
    if (activity_ == Activity::StartingApp) {
        // start_both is running: let it finish (its callback sees stopping_),
        // then stop_both cleans up whatever it started.
        appRunning_ = true;
    }
    bool serving = view_ && view_->contains(plan_.self) && bucketsOwned(table_, plan_.self) > 0;
    if (!force && serving && membership_) {
        activity_ = Activity::Draining;
        stopDeadline_ = now() + config_->user.nicestoptimeout;
        drainStartNs_ = UINT64_MAX / 2;  // set when the view that drains this node is installed
        membership_->drain();  // the next view moves the buckets away, in transition
        return;                // pulse() goes on when no flow is left
    }
    auto alive = alive_;
    runStopBoth(force, [this, alive] {
        if (*alive) finishStop();
    });
}

// stop_both bounded by nicestoptimeout, then stop_both force bounded by
// forcestoptimeout, then the process groups the scripts left are killed.
void Module::runStopBoth(bool force, std::function<void()> then) {
    stopCheckers();
    if (!appRunning_) {
        then();
        return;
    }
    activity_ = Activity::StoppingApp;
    auto alive = alive_;
    auto forceStop = [this, alive, then] {
        if (!*alive) return;
        deps_.log('W', "SF_SCRIPT_FORCED", paths_.name + ": stop_both force");
        app::ScriptRun run{paths_.dir + "/bin/stop_both", {"force"}, scriptEnv(), config_->user.forcestoptimeout};
        deps_.scripts.run(run, [this, alive, then](app::ScriptOutcome o) {
            if (!*alive) return;
            countScript("stop_both force", !o.timedOut && !o.notStarted && o.exitCode == 0);
            if (o.timedOut || o.exitCode != 0) {
                deps_.log('E', "SF_SCRIPT_END", paths_.name + ": stop_both force did not finish: killing its processes");
                deps_.scripts.killAll();
            }
            appRunning_ = false;
            then();
        });
    };
    if (force) {
        forceStop();
        return;
    }
    deps_.log('I', "SF_SCRIPT_START", paths_.name + ": stop_both");
    app::ScriptRun run{paths_.dir + "/bin/stop_both", {}, scriptEnv(), config_->user.nicestoptimeout};
    deps_.scripts.run(run, [this, alive, then, forceStop](app::ScriptOutcome o) {
        if (!*alive) return;
        bool ok = !o.timedOut && !o.notStarted && o.exitCode == 0;
        countScript("stop_both", ok);
        deps_.log(ok ? 'I' : 'W', "SF_SCRIPT_END",
                  paths_.name + ": stop_both " + (ok ? "succeeded" : o.timedOut ? "timed out" : "failed"));
        if (!ok) {
            forceStop();
            return;
        }
        appRunning_ = false;
        then();
    });
}

void Module::finishStop() {
    if (membership_ && membership_->joined()) membership_->leave();
    tearDown();
    stopping_ = false;
    activity_ = Activity::Idle;
    setState(ModuleState::Stop, stopReason_.empty() ? "stopped" : stopReason_);
    stopReason_.clear();
    if (auto d = std::exchange(stopDone_, nullptr)) d(success());
}

void Module::fail(const std::string& why) {
    deps_.log('E', "SF_MODULE_FAILED", paths_.name + ": " + why + ": stopping");
    stopReason_ = why;
    stop(true, [](Result<void>) {});
}

// --- checkers and recovery ------------------------------------------------

void Module::startCheckers() {
    if (!deps_.makeCheckers) return;
    auto alive = alive_;
    auto made = deps_.makeCheckers([this, alive](const app::CheckVerdict& v) {
        if (*alive) onVerdict(v);
    });
    if (!made) {
        deps_.log('E', "SF_CHECK_FAILED", paths_.name + ": checkers: " + made.error().message());
        return;
    }
    checkers_ = std::move(made.value());
    failing_.clear();
    for (auto& c : checkers_) c->start();
}

void Module::stopCheckers() {
    for (auto& c : checkers_) c->stop();
    // Destroyed later: a verdict handler may be running right now.
    auto old = std::make_shared<std::vector<std::unique_ptr<app::Checker>>>(std::move(checkers_));
    boost::asio::post(deps_.io, [old] {});
    checkers_.clear();
}

std::string Module::actionOf(const std::string& ident) const {
    for (const auto& c : config_->checks)
        if (c.ident == ident) return c.action;
    for (const auto& p : config_->errd.procs)
        if (p.name == ident) return p.action;
    return "restart";
}

void Module::onVerdict(const app::CheckVerdict& v) {
    bool wasFailing = failing_[v.ident];
    failing_[v.ident] = !v.ok;
    if (!v.ok) checkFailures_[v.ident]++;
    if (v.ok) {
        if (wasFailing) {
            deps_.log('I', "SF_CHECK_OK", paths_.name + ": checker " + v.ident + " ok again");
            if (checkersPass() && !recovering_ && !stopping_ && !linkDown_ && membership_) {
                membership_->setReady(true);
                maybeUp();
            }
        }
        return;
    }
    if (wasFailing || recovering_ || stopping_ || activity_ != Activity::Idle) return;
    deps_.log('W', "SF_CHECK_FAILED", paths_.name + ": checker " + v.ident + " failed: " + v.detail);
    recover(recovery_.onFailure("checker " + v.ident, actionOf(v.ident), now()));
}

// What a failing checker does (SafeKit's actions): wait — leave the buckets
// until it is ok again; restart — stop_both, start_both on this node;
// stopstart — the module stops and starts again; stop, or maxloop restarts
// within loop_interval — the module stops, with the reason.
void Module::recover(const app::RecoveryDecision& d) {
    switch (d.action) {
        case app::Recovery::Wait:
            deps_.log('W', "SF_CHECK_FAILED", paths_.name + ": " + d.reason + ": waiting, owning no bucket");
            if (membership_) membership_->setReady(false);
            setState(ModuleState::Wait, d.reason);
            return;
        case app::Recovery::Stop:
            if (d.reason.find("maxloop") != std::string::npos)
                deps_.log('E', "SF_MAXLOOP", paths_.name + ": " + d.reason);
            fail(d.reason);
            return;
        case app::Recovery::RestartApp:
        case app::Recovery::StopStart:
            restartApp(d.reason, nullptr);
            return;
    }
}

// SafeKit's `restart`: the application only (stop_both, start_both) while
// the module stays in the farm, owning no bucket meanwhile.
void Module::restartApp(const std::string& why, Done done) {
    if (state_ == ModuleState::Stop || stopping_ || recovering_ || activity_ != Activity::Idle) {
        if (done) done(badInput(paths_.name + " cannot restart now (" + stateName(state_) + ")"));
        return;
    }
    recovering_ = true;
    if (membership_) membership_->setReady(false);
    setState(ModuleState::Wait, why);
    activity_ = Activity::Restarting;
    startDone_ = std::move(done);
    auto alive = alive_;
    runStopBoth(false, [this, alive] {
        if (!*alive || stopping_) return;
        runStartBoth();
    });
}

// --- restart of safed ----------------------------------------------------

void Module::detach() {
    // The next safed adopts the filter: the peers are told to hold this
    // node's buckets (restartHold, 2 s) and the lease runs that long, less a
    // pulse, from now. A process start under load does not fit in the
    // normal lease (150 ms by default), and a node whose lease ran out is
    // fenced until a new view. If the peers never hear it (three copies are
    // sent), they take the buckets after slost_count pulses as for a crash.
    if (dataPath_ && leaseAllowed_) {
        auto hold = membership_ ? membership_->restarting() : 0ns;
        (void)dataPath_->renewLease(now() + std::max(timing_.lease, hold));
    }
    *alive_ = false;
    pulseTimer_.cancel();
    dataPath_.reset();  // pins stay: the next safed adopts them
}

// The mark a running module leaves in its var folder: the next safed
// resumes what it finds marked (a crash, an upgrade), and knows the
// arp_announce value to restore at the stop.
std::string Module::runningMark() const { return paths_.varDir + "/running"; }

void Module::markRunning(bool running) {
    if (!running) {
        std::remove(runningMark().c_str());
        return;
    }
    // 0640 root:safefarm, whole or not at all (a crash while writing it
    // must not leave an empty mark the next safed misreads).
    (void)files::replaceFile(runningMark(), (oldArpAnnounce_ ? *oldArpAnnounce_ : std::string("0")) + "\n",
                             files::kFileMode);
}

bool Module::wasRunning() const { return std::ifstream(runningMark()).good(); }

// After a restart of safed: the previous one left the module running. The
// filter is adopted with its pins (BpfDataPath) and the table in force read
// back, the VIPs, vMAC and sysctl are made sure of, the membership joins
// again as ready under a new incarnation. If the lease has not run out, it
// renews at once and carries on from the table in force: the node never
// stopped filtering and the others never saw it go. If it ran out, the
// others have taken its buckets and hold flows in them: the table left in
// the data path is stale, and the first view that takes the node back gives
// it its buckets through transitions like any joining node (install()).
// DESIGN §4.
Result<void> Module::resume() {
    if (state_ != ModuleState::Stop) return badInput(paths_.name + " is already running");
    std::ifstream in(runningMark());
    std::string old;
    std::getline(in, old);
    oldArpAnnounce_ = old.empty() ? std::string("0") : old;
    auto link = deps_.net.link(plan_.ifname);
    if (!link) return link.error();
    myMac_ = link->mac;
    (void)deps_.net.setSysctl("net/ipv4/conf/" + plan_.ifname + "/arp_announce", "2");
    if (plan_.mode == FARM_MODE_VMAC_INVISIBLE) {
        if (auto r = deps_.net.addUnicastMac(plan_.ifname, plan_.vmac); !r)
            deps_.log('W', "SF_NET_VMAC", paths_.name + ": " + r.error().message());
        vmacAdded_ = true;
    }
    auto dp = deps_.openDataPath();
    if (!dp) return dp.error();
    dataPath_ = std::move(dp.value());
    epoch_ = dataPath_->installedEpoch();
    table_.clear();
    tableFromView_ = false;
    if (dataPath_->leaseDeadline() > now()) {
        // A table that gives this node no bucket carries nothing on (a node
        // blocked by misconfigured peers renewed its lease on a view of
        // itself alone): its first view with the others is a join, its
        // buckets come in transition from them (install()).
        if (auto t = dataPath_->installedBuckets(); t && t->size() == FARM_BUCKETS && bucketsOwned(t.value(), plan_.self)) {
            table_ = std::move(t.value());
            tableFromView_ = true;
        } else if (!t) {
            deps_.log('W', "SF_DATAPATH", paths_.name + ": " + t.error().message());
        }
    }
    for (const auto& vip : plan_.vips) {
        if (auto r = deps_.net.addAddress(vipDevice(plan_, vip), vip); !r) return r.error();
        addedVips_.push_back(vip);
    }
    nanoseconds t = now();
    bool fresh = dataPath_->leaseDeadline() > t;
    if (fresh) {
        // The previous agent's lease stands: its peers hold this node for
        // restartHold. The new incarnation's own lease takes over once the
        // peers echo it (leaseDeadline()).
        grantUntil_ = dataPath_->leaseDeadline();
        leaseAllowed_ = true;
    } else {
        leaseAllowed_ = false;
        frozenAt_ = membership::ViewId{};
    }
    deps_.log(fresh ? 'I' : 'W', "SF_LEASE",
              paths_.name + (fresh ? ": resumed within the lease: filtering carries on"
                                   : ": resumed after the lease ran out: fenced until a view takes this node back"));
    appRunning_ = true;
    membership_ = deps_.makeMembership();
    membership_->setMac(myMac_);
    membership_->onEvent([this, alive = alive_] {
        if (*alive) onMembershipEvent();
    });
    auto alive = alive_;
    if (auto r = membership_->join(true, [this, alive](const membership::View& v, bool quorate) {
            if (*alive) onView(v, quorate);
        });
        !r)
        return r.error();
    lastPulse_ = t;
    setState(ModuleState::Wait, "resumed after a restart of safed");
    startCheckers();
    armPulse();
    return success();
}

// --- status --------------------------------------------------------------

Result<nlohmann::json> Module::whoServes(const IpAddr& client, std::optional<uint16_t> port) const {
    if (table_.size() != FARM_BUCKETS) return badInput(paths_.name + " holds no bucket table (not started)");
    __u64 k[2] = {hashKey_[0], hashKey_[1]};
    uint32_t bucket = farm_bucket_of(k, client.words.data(), client.family == AF_INET6, port ? *port : 0,
                                     port.has_value());
    const auto& b = table_[bucket];
    nlohmann::json j = {{"client", formatIp(client)}, {"bucket", bucket}, {"owner", b.owner}};
    if (const auto* n = plan_.node(b.owner)) j["node"] = n->name;
    if (b.flags & FARM_BUCKET_TRANSITION) j["draining_from"] = b.prev_owner;
    return j;
}

// This node's traffic: the packets of the buckets it owns, the flows in its
// data path (closed ones too, until they expire).
// Both as the last traffic scan read them, off this thread (scanTraffic):
// packets from the bucket counters (16384 per CPU) every second;
// connections from the flow table, which on a busy node holds 131072
// entries and takes ~65 ms to read even in batches
// (BpfDataPathTest.AFullFlowTableReadsBackWhole), every timing_.flowCount.
membership::Membership::Traffic Module::localTraffic() const {
    membership::Membership::Traffic t;
    if (!dataPath_) return t;
    for (size_t b = 0; b < table_.size() && b < packets_.size(); b++)
        if (table_[b].owner == plan_.self) t.packets += packets_[b];
    t.connections = flowCount_;
    return t;
}

nlohmann::json Module::status() const {
    nlohmann::json nodes = nlohmann::json::array();
    auto local = localTraffic();
    auto peers = membership_ ? membership_->peerTraffic() : std::map<uint8_t, membership::Membership::Traffic>{};
    for (const auto& n : plan_.nodes) {
        // Without a view (the module stopped here) this node cannot know
        // the others' state: UNKNOWN, not STOP.
        std::string st = view_ ? "STOP" : "UNKNOWN";
        if (view_) {
            if (const auto* m = view_->find(n.id)) {
                st = m->state == membership::MemberState::Ready ? "UP"
                     : m->state == membership::MemberState::Draining ? "DRAINING"
                                                                      : "WAIT";
            }
        }
        if (n.id == plan_.self) st = stateName(state_);
        uint32_t owned = bucketsOwned(table_, n.id);
        nlohmann::json row = {{"id", n.id},
                              {"name", n.name},
                              {"state", st},
                              {"buckets", owned},
                              {"share", table_.empty() ? 0.0 : 100.0 * owned / table_.size()}};
        // Another node's traffic as its last heartbeat said; a node not in
        // the view has none to show.
        if (n.id == plan_.self) {
            row["connections"] = local.connections;
            row["packets"] = local.packets;
        } else if (auto it = peers.find(n.id); it != peers.end() && view_ && view_->find(n.id)) {
            row["connections"] = it->second.connections;
            row["packets"] = it->second.packets;
        }
        nodes.push_back(row);
    }
    // Since safed started: scripts run and failed, checks failed (and
    // whether each checker's last check passed).
    nlohmann::json scripts = nlohmann::json::object();
    for (const auto& [name, c] : scriptCounts_) scripts[name] = {{"runs", c.runs}, {"failures", c.failures}};
    nlohmann::json checkers = nlohmann::json::array();
    std::vector<std::string> idents;
    for (const auto& c : config_->checks) idents.push_back(c.ident);
    for (const auto& p : config_->errd.procs) idents.push_back(p.name);
    for (const auto& ident : idents) {
        auto f = checkFailures_.find(ident);
        auto now = failing_.find(ident);
        checkers.push_back({{"ident", ident},
                            {"ok", now == failing_.end() || !now->second},
                            {"failures", f == checkFailures_.end() ? 0 : f->second}});
    }
    // This node's packets by the filter's verdict (since the filter was
    // loaded): what it kept, relayed, dropped and why.
    nlohmann::json verdicts = nlohmann::json::object();
    if (dataPath_) {
        if (auto c = dataPath_->counters()) {
            for (int r = 0; r < FARM_R_MAX; r++)
                if (c.value()[r].packets) verdicts[reasonName(r)] = c.value()[r].packets;
        }
    }
    return {{"module", paths_.name},
            {"state", stateName(state_)},
            {"activity", activityName(activity_)},
            {"reason", reason_},
            {"self", plan_.self},
            {"epoch", view_ ? view_->id.seq : 0},
            {"view", view_ ? view_->describe() : ""},
            {"nodes", nodes},
            {"verdicts", verdicts},
            {"view_changes", viewChanges_},
            {"refused_peers", membership_ ? RefusedPeerReport::json(membership_->refusedPeers(), plan_)
                                          : nlohmann::json::array()},
            {"blocked_by_misconfigured_peers", membership_ && membership_->blockedByMisconfiguredPeers()},
            {"scripts", scripts},
            {"checkers", checkers}};
}

}  // namespace safefarm::module
