#include "FakeDataPath.h"

namespace safefarm::test {

Result<void> FakeDataPath::install(const EpochSpec& spec) {
    if (failNextInstall) {
        Error e = *failNextInstall;
        failNextInstall.reset();
        return e;
    }
    // Same validation as the real data path: a bad spec never lands.
    auto encoded = encodeEpoch(spec);
    if (!encoded) return encoded.error();
    installed_ = spec;
    history_.push_back(spec);
    return success();
}

Result<void> FakeDataPath::renewLease(std::chrono::nanoseconds deadline) {
    leaseDeadline_ = deadline;
    if (leaseOut) *leaseOut = deadline;
    return success();
}

Result<void> FakeDataPath::addForeignFlows(const std::vector<FlowEntry>& flows) {
    for (FlowEntry f : flows) {
        f.flow.kind = FARM_FLOW_FOREIGN;
        flows_.push_back(f);
    }
    return success();
}

}  // namespace safefarm::test
