// This node's lease on its buckets (DESIGN §4, docs/design.md "Leases"): the
// deadline the data path serves until, renewed every pulse and at every
// membership event while the node is a member of the view it serves, up to
// what the peers confirm and at most the stall guard from now. With quorum
// none (no peer confirmation) a freeze longer than the lease revokes it
// until a newer view takes this node back; with the peers' confirmation a
// stall needs no view change, the deadline runs out on its own.
#pragma once

#include <chrono>
#include <optional>

#include "dataplane/DataPath.h"
#include "membership/View.h"
#include "module/Logger.h"
#include "module/MembershipPort.h"

namespace safefarm::module {

class LeaseKeeper {
public:
    LeaseKeeper(bool peerLeases, std::chrono::nanoseconds lease, const Logger& log);

    // The data path and the membership the lease is written to and read
    // from, from a start or a resume until the release.
    void bind(DataPath& dataPath, MembershipPort& membership);
    void unbind();

    // A start: renewed from now on.
    void start(std::chrono::nanoseconds now);
    // A resume: the previous agent's lease stands until `deadline` (true),
    // or it ran out and the node is fenced until a view takes it back.
    bool resume(std::chrono::nanoseconds deadline, std::chrono::nanoseconds now);
    // A committed view: true when it takes back a node fenced after a stall
    // (it announced NotReady to get this view, and may be ready again).
    bool takenBack(const membership::View& view, bool member);
    void onView(bool member, std::chrono::nanoseconds now);
    void onMembershipEvent(std::chrono::nanoseconds now);
    // Every pulse. True when it fenced the node now (quorum none: a stall
    // longer than the lease): the node must announce NotReady to get a
    // newer view.
    bool pulse(std::chrono::nanoseconds now, const std::optional<membership::View>& view);
    // safed exits: the lease runs for the restart hold the peers grant.
    void detach(std::chrono::nanoseconds now);
    void stop() { allowed_ = false; }

    // Within what the previous agent was granted (a resume).
    bool withinGrant(std::chrono::nanoseconds now) const { return grantUntil_ > now; }

private:
    std::chrono::nanoseconds deadline(std::chrono::nanoseconds now) const;
    void renew(std::chrono::nanoseconds now);
    void checkLapse(std::chrono::nanoseconds now);

    bool peerLeases_;
    std::chrono::nanoseconds lease_;
    const Logger& log_;
    DataPath* dataPath_ = nullptr;
    MembershipPort* membership_ = nullptr;

    bool allowed_ = false;
    std::chrono::nanoseconds lastPulse_{0};
    std::optional<membership::ViewId> frozenAt_;  // quorum none: fenced after a stall until a newer view
    std::chrono::nanoseconds grantUntil_{0};      // resumed: the previous agent's lease
    std::chrono::nanoseconds written_{0};         // the deadline last written (peer leases)
    bool lapsed_ = false;                         // logged as run out, not back yet
};

}  // namespace safefarm::module
