#include "module/ModuleTiming.h"

#include <algorithm>

namespace safefarm::module {

ModuleTiming moduleTiming(const config::FarmConfig& farm) {
    ModuleTiming t;
    t.pulse = farm.pulse;
    // The peers' echoes bound the lease too (docs/design.md "Leases").
    t.lease = farm.pulse * std::max<uint32_t>(1, farm.slostCount - 1);
    t.linkSettle = farm.pulse * farm.slostCount;
    return t;
}

}  // namespace safefarm::module
