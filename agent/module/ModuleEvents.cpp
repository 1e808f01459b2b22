// Module's side of what happens to it: views and membership events, the
// farm interface's link, checker verdicts, and the pulse (lease, drains,
// traffic, announcements). Module.cpp holds what it is asked to do.
#include "module/Module.h"

#include "module/EpochBuilder.h"
#include "module/NodeChanges.h"

#include <algorithm>
#include <utility>

namespace safefarm::module {

using namespace std::chrono_literals;
using control::MessageId;
using membership::MemberState;
using std::chrono::nanoseconds;

// --- views and the membership -----------------------------------------------

void Module::onView(const membership::View& view, bool quorate) {
    if (!resources_.dataPath()) return;
    bool member = view.contains(plan_.self);
    if (lease_.takenBack(view, member) && std::exchange(readyAfterFence_, false) && canBeReady())
        membership_->setReady(true);
    const auto& before = epochs_.view();
    bool memberLeft = before && std::any_of(before->members.begin(), before->members.end(),
                                            [&](const auto& m) { return !view.contains(m.id); });
    if (before) logNodeChanges(*before, view, plan_, log_);
    nanoseconds t = now();
    // Let go meanwhile (the lease ran out before this view): the table held
    // is stale, the others may serve any of its buckets. Not within a
    // restart's grant: the peers held this node (restartHold), nobody took
    // its buckets.
    bool stale = !membership_->leaseHeldAtInstall() && !lease_.withinGrant(t);
    epochs_.onView(view, quorate, stale, *membership_, t);
    lease_.onView(member, t);
    maybeUp();
    // UP: the reason shown by `safectl state -l` follows the view in force.
    if (state_ == ModuleState::Up) reason_ = upReason();
    announcements_.onView(view, quorate, memberLeft, t);
}

// After every datagram or tick of the membership: the lease follows the
// echoes at once (not at the next pulse), and buckets held for a member are
// taken as soon as every member holds the view.
void Module::onMembershipEvent() {
    if (!resources_.dataPath()) return;
    nanoseconds t = now();
    lease_.onMembershipEvent(t);
    epochs_.onMembershipEvent(*membership_, t);
}

void Module::linkChanged(const std::string& ifname, bool up) {
    if (ifname != plan_.ifname || config_->vip.interfaces.empty() || !config_->vip.interfaces[0].check) return;
    if (!membership_ || state_ == ModuleState::Stop) return;
    if (up ? link_ != Link::Down : link_ == Link::Down) return;
    if (!up) {
        link_ = Link::Down;
        log_.warn(MessageId::SF_CHECK_FAILED, "interface " + ifname + " is down: owning no bucket");
        membership_->setReady(false);
        setState(ModuleState::Wait, "interface " + ifname + " down");
        return;
    }
    // Back up: still owning nothing until the peers have been heard. Cut
    // off, this node formed a view of its own; ready at once, that view
    // would give it every bucket until the others' view reaches it, and it
    // would answer their clients meanwhile (duplicate SYN-ACKs, resets, and
    // half-open connections that fill its SYN queue). The pulse ends the
    // settling when linkSettle is over.
    link_ = Link::Settling;
    linkSettleAt_ = now() + timing_.linkSettle;
    log_.info(MessageId::SF_CHECK_FAILED, "interface " + ifname + " is up again: ready in " +
                                              std::to_string(timing_.linkSettle / 1ms) +
                                              " ms, once the peers are heard");
}

void Module::linkSettled() {
    link_ = Link::Up;
    if (!canBeReady()) return;
    membership_->setReady(true);
    maybeUp();
}

// --- the pulse --------------------------------------------------------------

void Module::armPulse() {
    pulseTimer_->start(timing_.pulse, [this, alive = alive_] {
        if (*alive) pulse();
    });
}

void Module::pulse() {
    if (!resources_.dataPath()) return;
    nanoseconds t = now();
    // A peer with another cluster key or version: said once a minute per
    // peer, and when this node stops or resumes taking buckets because of
    // them (docs/design.md "Misconfigured peers").
    if (membership_)
        for (const auto& line : refusedReport_.update(
                 membership_->refusedPeers(), membership_->blockedByMisconfiguredPeers(), plan_, paths_.name, t))
            log_.line(control::Level::Warn, MessageId::SF_PEER_REFUSED, line);
    if (lease_.pulse(t, epochs_.view()) && membership_) {
        membership_->setReady(false);
        readyAfterFence_ = true;
    }
    if (link_ == Link::Settling && t >= linkSettleAt_ && membership_) linkSettled();
    if (plan_.mode == FARM_MODE_VMAC_DIRECTED && membership_) epochs_.refreshPeerMacs(*membership_, t);
    epochs_.pulse(t, stopping_, membership_.get());
    pulseTraffic(t);
    announcements_.pulse(t, announcedMac());
    armPulse();
}

// A graceful stop drains until the view that moves this node's buckets away
// is in force and no flow is left in them (or nicestoptimeout). The traffic
// is read off this thread once a second, the flows every flowCount and
// every drainCheck of a drain; onScanned hands it to the heartbeats and
// decides the drain.
void Module::pulseTraffic(nanoseconds t) {
    bool draining = stopping_ && activity_ == Activity::Draining;
    const auto* me = epochs_.me();
    bool moved = !me || me->state == MemberState::Draining;
    if (draining && moved) drain_.moved(t);
    bool drainDue = draining && moved && drain_.scanDue(t);
    if (draining && drain_.overdue(t)) {
        drained(" (nicestoptimeout, " + std::to_string(drain_.left()) + " flows left at the last check)");
    } else if (!traffic_.scanning() && (drainDue || traffic_.due(t))) {
        if (drainDue) drain_.scanning(t);
        traffic_.scan(*resources_.dataPath(), drainDue || traffic_.flowsDue(t), t,
                      [this, alive = alive_](const std::vector<FlowEntry>* flows, nanoseconds at) {
                          if (*alive) onScanned(flows, at);
                      });
    }
}

void Module::onScanned(const std::vector<FlowEntry>* flows, nanoseconds at) {
    if (membership_) {
        auto local = localTraffic();
        membership_->setTraffic(local.connections, local.packets);
    }
    if (!flows || !resources_.dataPath() || !stopping_ || activity_ != Activity::Draining) return;
    auto left = drain_.flowsLeft(*flows, epochs_.table(), plan_.self, at);
    if (left && *left == 0) drained(" (no flow left)");
}

membership::Membership::Traffic Module::localTraffic() const {
    if (!resources_.dataPath()) return {};
    return traffic_.local(epochs_.table(), plan_.self);
}

// The hardware address the VIP is announced at.
const Mac& Module::announcedMac() const {
    return plan_.mode == FARM_MODE_VMAC_DIRECTED ? resources_.mac() : plan_.vmac;
}

// --- checkers ---------------------------------------------------------------

void Module::onVerdict(const app::CheckVerdict& v) {
    auto change = app_.record(v);
    if (change == AppSupervisor::Change::OkAgain) {
        if (canBeReady() && membership_) {
            membership_->setReady(true);
            maybeUp();
        }
        return;
    }
    if (change != AppSupervisor::Change::Failed || recovering_ || stopping_ || activity_ != Activity::Idle) return;
    recover(app_.failed(v, now()));
}

// What a failing checker does (SafeKit's actions): wait — leave the buckets
// until it is ok again; restart — stop_both, start_both on this node;
// stopstart — the module stops and starts again; stop, or maxloop restarts
// within loop_interval — the module stops, with the reason.
void Module::recover(const app::RecoveryDecision& d) {
    switch (d.action) {
        case app::Recovery::Wait:
            log_.warn(MessageId::SF_CHECK_FAILED, d.reason + ": waiting, owning no bucket");
            if (membership_) membership_->setReady(false);
            setState(ModuleState::Wait, d.reason);
            return;
        case app::Recovery::Stop:
            if (d.maxloopReached) log_.error(MessageId::SF_MAXLOOP, d.reason);
            fail(d.reason);
            return;
        case app::Recovery::RestartApp:
        case app::Recovery::StopStart: restartApp(d.reason, nullptr); return;
    }
}

}  // namespace safefarm::module
