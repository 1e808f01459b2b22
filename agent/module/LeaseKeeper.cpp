#include "module/LeaseKeeper.h"

#include <algorithm>

namespace safefarm::module {

using namespace std::chrono_literals;
using control::MessageId;
using std::chrono::nanoseconds;

LeaseKeeper::LeaseKeeper(bool peerLeases, nanoseconds lease, const Logger& log)
    : peerLeases_(peerLeases), lease_(lease), log_(log) {}

void LeaseKeeper::bind(DataPath& dataPath, MembershipPort& membership) {
    dataPath_ = &dataPath;
    membership_ = &membership;
}

void LeaseKeeper::unbind() {
    dataPath_ = nullptr;
    membership_ = nullptr;
}

void LeaseKeeper::start(nanoseconds now) {
    allowed_ = true;
    lastPulse_ = now;
}

bool LeaseKeeper::resume(nanoseconds deadline, nanoseconds now) {
    bool fresh = deadline > now;
    if (fresh) {
        // The previous agent's lease stands: its peers hold this node for
        // restartHold. The new incarnation's own lease takes over once the
        // peers echo it (deadline()).
        grantUntil_ = deadline;
        allowed_ = true;
    } else {
        allowed_ = false;
        frozenAt_ = membership::ViewId{};
    }
    log_.write(fresh ? control::Level::Info : control::Level::Warn, MessageId::SF_LEASE,
               fresh ? "resumed within the lease: filtering carries on"
                     : "resumed after the lease ran out: fenced until a view takes this node back");
    lastPulse_ = now;
    return fresh;
}

// The data path's lease deadline at t: the membership's (confirmed by the
// peers; with quorum none, capped by this agent's own stall guard), or what
// the previous agent was granted at a restart while that lasts.
nanoseconds LeaseKeeper::deadline(nanoseconds t) const {
    nanoseconds until = membership_ ? membership_->leaseUntil() : 0ns;
    if (!peerLeases_) until = std::min(until, t + lease_);
    if (grantUntil_ > t) until = std::max(until, grantUntil_);
    return until;
}

void LeaseKeeper::renew(nanoseconds t) {
    written_ = deadline(t);
    (void)dataPath_->renewLease(written_);
}

bool LeaseKeeper::takenBack(const membership::View& view, bool member) {
    if (!frozenAt_ || !member || !(view.id > *frozenAt_)) return false;
    log_.info(MessageId::SF_LEASE, "taken back in by view " + view.describe() + ", lease renewed again");
    frozenAt_.reset();
    return true;
}

void LeaseKeeper::onView(bool member, nanoseconds now) {
    allowed_ = member && !frozenAt_;
    if (allowed_) renew(now);
}

void LeaseKeeper::onMembershipEvent(nanoseconds now) {
    if (allowed_) renew(now);
}

bool LeaseKeeper::pulse(nanoseconds t, const std::optional<membership::View>& view) {
    // A freeze (SIGSTOP, a stalled VM) longer than the lease: the others may
    // have taken this node's buckets already. Fence now and wait for a view
    // newer than the one held. If the stall was shorter than their detection
    // time, they never saw this node leave and no newer view would come: the
    // caller announces NotReady, which makes the coordinator commit one
    // (taken back in: takenBack()). Without it the node stayed fenced until
    // some other change, seconds or forever.
    bool fenced = false;
    if (allowed_ && t - lastPulse_ > lease_ && !peerLeases_) {
        (void)dataPath_->renewLease(0ns);
        frozenAt_ = view ? view->id : membership::ViewId{};
        allowed_ = false;
        fenced = true;
        log_.warn(MessageId::SF_LEASE,
                  "agent stalled " + std::to_string((t - lastPulse_) / 1ms) +
                      " ms, longer than the lease: fenced until a newer view takes this node back");
    }
    checkLapse(t);
    lastPulse_ = t;
    if (allowed_) renew(t);
    if (lapsed_ && written_ > t) {
        lapsed_ = false;
        log_.info(MessageId::SF_LEASE, "the peers confirm the lease again");
    }
    return fenced;
}

// With leases confirmed by the peers a stall needs no view change: the data
// path's deadline ran out on its own, and the lease comes back only with
// echoes under a view not newer than this node's (docs/design.md "Leases"):
// at once if nobody let this node go, after the view that takes it back
// otherwise.
void LeaseKeeper::checkLapse(nanoseconds t) {
    bool lapsed = allowed_ && peerLeases_ && written_ != 0ns && t > written_ + 1ms;
    if (!lapsed || std::exchange(lapsed_, true)) return;
    log_.warn(MessageId::SF_LEASE, "the lease ran out " + std::to_string((t - written_) / 1ms) + " ms ago (pulse " +
                                       std::to_string((t - lastPulse_) / 1ms) +
                                       " ms after the last one): no echo from enough peers, or this agent was late");
}

// The next safed adopts the filter: the peers are told to hold this node's
// buckets (restartHold, 2 s) and the lease runs that long, less a pulse,
// from now. A process start under load does not fit in the normal lease
// (150 ms by default), and a node whose lease ran out is fenced until a new
// view. If the peers never hear it (three copies are sent), they take the
// buckets after slost_count pulses as for a crash.
void LeaseKeeper::detach(nanoseconds now) {
    if (!dataPath_ || !allowed_) return;
    auto hold = membership_ ? membership_->restarting() : 0ns;
    (void)dataPath_->renewLease(now + std::max(lease_, hold));
}

}  // namespace safefarm::module
