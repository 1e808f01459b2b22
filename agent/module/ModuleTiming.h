// The module's timings. The ones an operator sets come from <farm pulse
// slost_count> through moduleTiming(), and have no default here: the
// vocabulary table (config/Vocabulary.cpp) is the one place of defaults.
// The others are the design's constants, with no attribute.
#pragma once

#include <chrono>

#include "config/ModuleConfig.h"

namespace safefarm::module {

struct ModuleTiming {
    std::chrono::nanoseconds pulse{0};
    // The stall guard: the data path's lease ends a pulse before the others
    // may declare this node dead (slost_count - 1 pulses), so a dead or
    // frozen agent's node is fenced before its buckets move.
    std::chrono::nanoseconds lease{0};
    // After the farm interface comes back, the node stays not ready this
    // long (slost_count pulses: every live peer has been heard by then).
    std::chrono::nanoseconds linkSettle{0};

    std::chrono::nanoseconds joinDrain = std::chrono::seconds(30);  // transitions of a join
    // A graceful stop waits at least this long for a flow to show a packet
    // in its drain, and counts a flow idle longer than flowIdle as over.
    std::chrono::nanoseconds drainGrace = std::chrono::seconds(2);
    std::chrono::nanoseconds flowIdle = std::chrono::seconds(5);
    // How often a drain reads the flow table (up to 131072 entries, ~65 ms
    // on a busy node, read off the modules' thread), and the heartbeats'
    // connection count.
    std::chrono::nanoseconds drainCheck = std::chrono::seconds(1);
    std::chrono::nanoseconds flowCount = std::chrono::seconds(10);
};

// pulse, lease and linkSettle from the module's <farm>.
ModuleTiming moduleTiming(const config::FarmConfig& farm);

}  // namespace safefarm::module
