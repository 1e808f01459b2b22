// safed's own thread under SCHED_RR, as corosync runs: heartbeats and lease
// renewals are due every pulse (50 ms by default) and a node whose agent is
// starved longer than the lease fences itself. A busy machine (the web
// application at full CPU) must not delay them. SCHED_RESET_ON_FORK: the
// scripts, the application they start and any thread created later run
// under the normal policy.
#pragma once

#include "common/Result.h"

namespace safefarm::safed {

// priority 0: leave the policy alone.
Result<void> useRealtimeScheduling(int priority);
// The calling thread under the normal policy (the transports' thread,
// docs/design.md "Threads"): SCHED_RESET_ON_FORK already gives a new
// thread the normal policy; this says so whatever created it.
Result<void> useNormalScheduling();

}  // namespace safefarm::safed
