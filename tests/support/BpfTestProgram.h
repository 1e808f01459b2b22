// The real farm_filter object (from its skeleton), loaded with pinning
// disabled so tests never touch bpffs, and driven by BPF_PROG_TEST_RUN.
// Each instance has its own maps; it is gone when the instance is.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/Result.h"
#include "dataplane/EpochSpec.h"
#include "farm_abi.h"

namespace safefarm::test {

struct RunResult {
    int error = 0;        // 0, or the negative errno of the test run itself
    uint32_t action = 0;  // XDP_PASS, XDP_DROP, XDP_TX, ...
    std::vector<uint8_t> out;
    uint32_t durationNs = 0;  // average per repetition
};

using Counters = std::array<farm_counter, FARM_R_MAX>;

class BpfTestProgram {
public:
    // Opens and loads the skeleton; error() says why if it failed.
    BpfTestProgram();
    ~BpfTestProgram();
    BpfTestProgram(const BpfTestProgram&) = delete;
    BpfTestProgram& operator=(const BpfTestProgram&) = delete;

    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }
    int progFd() const;

    Result<void> writeState(const farm_state& state);
    Result<farm_state> readState();
    // Sets farm_state.active, keeping the lease.
    Result<void> setActive(uint32_t half);
    // Lease deadline = CLOCK_MONOTONIC now + delta (negative: expired).
    Result<void> setLeaseFromNow(int64_t deltaNs);

    // encodeEpoch(spec) into farm_epochs[half] and spec.buckets into that half of farm_buckets.
    Result<void> installEpoch(uint32_t half, const EpochSpec& spec);
    Result<void> writeEpoch(uint32_t half, const farm_epoch& epoch);
    Result<void> writeBucket(uint32_t half, uint32_t bucket, const farm_bucket& b);
    Result<farm_bucket> readBucket(uint32_t half, uint32_t bucket);

    Result<void> addPeerMac(const Mac& m);
    Result<void> writeFlow(const farm_flow_key& key, const farm_flow& flow);
    std::optional<farm_flow> readFlow(const farm_flow_key& key);
    size_t flowCount();

    Result<Counters> counters();  // summed over CPUs
    Result<uint64_t> bucketPackets(uint32_t bucket);

    RunResult run(const std::vector<uint8_t>& frame, int repeat = 1);

    static uint64_t monotonicNowNs();

private:
    struct Skel;
    std::unique_ptr<Skel> skel_;
    std::string error_;
    int possibleCpus_ = 1;
};

}  // namespace safefarm::test
