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
    Result<std::vector<uint64_t>> bucketPackets() override { return bucketPackets_; }
    // A snapshot of flows_ as they are when the reader is made (a scan that
    // reads later sees the table as it was: the test says when it runs).
    std::shared_ptr<const FlowReader> flowReader() override {
        readers_++;
        return std::make_shared<Reader>(flows_);
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
    int readers_ = 0;  // flow scans started

private:
    struct Reader : FlowReader {
        explicit Reader(std::vector<FlowEntry> f) : flows(std::move(f)) {}
        Result<std::vector<FlowEntry>> read() const override { return flows; }
        std::vector<FlowEntry> flows;
    };
};

}  // namespace safefarm::test
