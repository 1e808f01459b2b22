// A module's state on this node, as SafeKit names them (DESIGN §5): STOP
// (nothing configured), WAIT (started, not serving yet: application starting,
// checkers failing, waiting for the view), UP (owns buckets, application
// running). `safectl state -q` exits with these numbers.
#pragma once

#include <cstdint>

namespace safefarm::module {

enum class ModuleState : uint8_t { Stop = 0, Wait = 1, Up = 2 };

inline const char* stateName(ModuleState s) {
    switch (s) {
        case ModuleState::Stop: return "STOP";
        case ModuleState::Wait: return "WAIT";
        case ModuleState::Up: return "UP";
    }
    return "?";
}

// What the module is doing right now, shown next to the state.
enum class Activity : uint8_t { Idle, Starting, StartingApp, Draining, StoppingApp, Restarting };

inline const char* activityName(Activity a) {
    switch (a) {
        case Activity::Idle: return "";
        case Activity::Starting: return "starting";
        case Activity::StartingApp: return "start_both";
        case Activity::Draining: return "draining";
        case Activity::StoppingApp: return "stop_both";
        case Activity::Restarting: return "restarting";
    }
    return "";
}

}  // namespace safefarm::module
