// What the module does when a checker or a monitored process fails, from the
// element's action (DESIGN §5, SafeKit's restart policy). Pure: the module
// feeds it failures and the time.
//
//   restart    RestartApp: stop_both then start_both on this node
//   stopstart  StopStart: the module leaves the farm and comes back
//   stop       Stop: the module goes to STOP
//   wait       Wait: the module waits (not serving) until the checker is ok
//
// restart and stopstart count against maxloop within loop_interval (a
// sliding window); the restart past maxloop is refused: Stop, with why.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace safefarm::app {

enum class Recovery { RestartApp, StopStart, Stop, Wait };
const char* recoveryName(Recovery r);

struct RecoveryDecision {
    Recovery action;
    std::string reason;  // for the module log and `safectl state`: "checker web failed: restart"
    // Stop because maxloop restarts were made within loop_interval
    // (SF_MAXLOOP), not because the action says stop.
    bool maxloopReached = false;
};

class RecoveryPolicy {
public:
    RecoveryPolicy(uint32_t maxloop, std::chrono::nanoseconds loopInterval);

    // `what` names the failure ("checker web", "process apache2"), `action`
    // is its configured action; now is any monotonic clock.
    RecoveryDecision onFailure(std::string_view what, std::string_view action, std::chrono::nanoseconds now);
    // Restarts counted in the window ending at now.
    size_t restarts(std::chrono::nanoseconds now);
    // The administrator started the module again: the count starts over.
    void reset() { restarts_.clear(); }

private:
    void forget(std::chrono::nanoseconds now);

    uint32_t maxloop_;
    std::chrono::nanoseconds window_;
    std::deque<std::chrono::nanoseconds> restarts_;
};

}  // namespace safefarm::app
