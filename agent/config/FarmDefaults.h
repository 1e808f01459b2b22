// <farm>'s heartbeat timing as the defaults table gives it (Vocabulary.cpp,
// the only place the numbers are), for what runs the membership protocol
// without a userconfig.xml: safefarm-membership and the membership bench.
// safed takes them from the parsed <farm> instead.
#pragma once

#include <cstdint>

#include "config/Duration.h"

namespace safefarm::config {

struct FarmTiming {
    Duration pulse{};
    uint32_t slostCount = 0;  // pulses of silence on every lan: the peer is dead
    uint32_t mlostCount = 0;  // pulses to acknowledge a proposed view
};

FarmTiming defaultFarmTiming();

}  // namespace safefarm::config
