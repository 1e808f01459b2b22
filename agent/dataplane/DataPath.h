// The data path as the control plane sees it. BpfDataPath is the real one
// (XDP program and maps); tests/support/FakeDataPath records calls so the
// logic above it is tested without root.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/Result.h"
#include "dataplane/EpochSpec.h"
#include "farm_abi.h"

namespace safefarm {

struct FlowEntry {
    farm_flow_key key{};
    farm_flow flow{};
};

using ReasonCounters = std::array<farm_counter, FARM_R_MAX>;
const char* reasonName(int reason);  // "DROP_NOT_OWNER"

// The data path's slow reads, on any thread: a full flow table (131072
// entries) takes ~65 ms even in batches, the bucket counters (16384 per
// CPU) 1.6 ms on 2 CPUs, roughly 50 ms on 64; too long for the
// modules' thread, which runs the heartbeat (docs/design.md "Threads"). It
// holds its own references to the maps, so it outlives the data path it
// came from.
class TrafficReader {
public:
    virtual ~TrafficReader() = default;
    virtual Result<std::vector<FlowEntry>> flows() const = 0;
    virtual Result<std::vector<uint64_t>> bucketPackets() const = 0;  // FARM_BUCKETS entries, summed over CPUs
};

class DataPath {
public:
    virtual ~DataPath() = default;

    // Writes the spec into the inactive half and flips: every packet sees
    // either the old epoch or the new one, whole. Nothing changes on error.
    virtual Result<void> install(const EpochSpec& spec) = 0;

    // VIP traffic is accepted until this CLOCK_MONOTONIC instant (DESIGN §4).
    virtual Result<void> renewLease(std::chrono::nanoseconds deadline) = 0;

    // UDP flows the old owner still serves in buckets moving here (DESIGN §3).
    virtual Result<void> addForeignFlows(const std::vector<FlowEntry>& flows) = 0;

    virtual Result<ReasonCounters> counters() = 0;  // summed over CPUs
    virtual std::shared_ptr<const TrafficReader> trafficReader() = 0;

    virtual uint64_t installedEpoch() const = 0;  // 0 before the first install
    // The bucket table in force (FARM_BUCKETS entries; empty before the
    // first install): a restarted agent carries on from it.
    virtual Result<std::vector<farm_bucket>> installedBuckets() const = 0;
    // The lease in force (CLOCK_MONOTONIC; 0 = none): a restarted agent that
    // adopts the data path renews only a lease that has not run out.
    virtual std::chrono::nanoseconds leaseDeadline() const = 0;
};

}  // namespace safefarm
