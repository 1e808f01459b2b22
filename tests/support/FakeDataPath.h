// A DataPath that keeps everything in memory: what was installed, the lease,
// counters a test sets. For the logic above the kernel, tested without root.
#pragma once

#include <memory>
#include <optional>

#include "dataplane/DataPath.h"

namespace safefarm::test {

class FakeDataPath : public DataPath {
public:
    Result<void> install(const EpochSpec& spec) override;
    Result<void> renewLease(std::chrono::nanoseconds deadline) override;
    Result<void> addForeignFlows(const std::vector<FlowEntry>& flows) override;
    Result<ReasonCounters> counters() override { return counters_; }
    // A snapshot of flows_ and bucketPackets_ as they are when the reader is
    // made (a scan that reads later sees them as they were: the test says
    // when it runs).
    std::shared_ptr<const TrafficReader> trafficReader() override {
        return std::make_shared<Reader>(flows_, bucketPackets_);
    }
    uint64_t installedEpoch() const override { return installed_ ? installed_->epoch : 0; }
    Result<std::vector<farm_bucket>> installedBuckets() const override {
        return installed_ ? installed_->buckets : std::vector<farm_bucket>{};
    }
    std::chrono::nanoseconds leaseDeadline() const override { return leaseDeadline_; }

    // Test controls and observations.
    std::optional<Error> failNextInstall;
    std::optional<EpochSpec> installed_;
    std::vector<EpochSpec> history_;
    std::chrono::nanoseconds leaseDeadline_{0};
    // Also written here when set: outlives this object (detach() drops it).
    std::chrono::nanoseconds* leaseOut = nullptr;
    ReasonCounters counters_{};
    std::vector<uint64_t> bucketPackets_ = std::vector<uint64_t>(FARM_BUCKETS);
    std::vector<FlowEntry> flows_;

private:
    struct Reader : TrafficReader {
        Reader(std::vector<FlowEntry> f, std::vector<uint64_t> p) : flowList(std::move(f)), packets(std::move(p)) {}
        Result<std::vector<FlowEntry>> flows() const override { return flowList; }
        Result<std::vector<uint64_t>> bucketPackets() const override { return packets; }
        std::vector<FlowEntry> flowList;
        std::vector<uint64_t> packets;
    };
};

}  // namespace safefarm::test
