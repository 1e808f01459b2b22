#include "app/RecoveryPolicy.h"

#include "config/Duration.h"

namespace safefarm::app {

const char* recoveryName(Recovery r) {
    switch (r) {
        case Recovery::RestartApp: return "restart";
        case Recovery::StopStart: return "stopstart";
        case Recovery::Stop: return "stop";
        case Recovery::Wait: return "wait";
    }
    return "?";
}

namespace {

// In hours when whole, as loop_interval is written ("24h", not "1d").
std::string formatWindow(std::chrono::nanoseconds w) {
    if (w.count() > 0 && w % std::chrono::hours(1) == std::chrono::nanoseconds(0))
        return std::to_string(std::chrono::duration_cast<std::chrono::hours>(w).count()) + "h";
    return config::formatDuration(std::chrono::duration_cast<config::Duration>(w));
}

}  // namespace

RecoveryPolicy::RecoveryPolicy(uint32_t maxloop, std::chrono::nanoseconds loopInterval)
    : maxloop_(maxloop), window_(loopInterval) {}

void RecoveryPolicy::forget(std::chrono::nanoseconds now) {
    while (!restarts_.empty() && restarts_.front() <= now - window_) restarts_.pop_front();
}

size_t RecoveryPolicy::restarts(std::chrono::nanoseconds now) {
    forget(now);
    return restarts_.size();
}

RecoveryDecision RecoveryPolicy::onFailure(std::string_view what, std::string_view action,
                                           std::chrono::nanoseconds now) {
    std::string failed = std::string(what) + " failed";
    if (action == "wait") return {Recovery::Wait, failed + ": wait"};
    if (action == "stop") return {Recovery::Stop, failed + ": stop"};
    Recovery r;
    if (action == "restart")
        r = Recovery::RestartApp;
    else if (action == "stopstart")
        r = Recovery::StopStart;
    else  // the parser allows no other; stopping is the safe reading of a bad one
        return {Recovery::Stop, failed + ": unknown action '" + std::string(action) + "', stop"};

    forget(now);
    if (restarts_.size() >= maxloop_) {
        return {Recovery::Stop,
                failed + ": maxloop (" + std::to_string(maxloop_) + ") reached within " + formatWindow(window_), true};
    }
    restarts_.push_back(now);
    return {r, failed + ": " + recoveryName(r)};
}

}  // namespace safefarm::app
