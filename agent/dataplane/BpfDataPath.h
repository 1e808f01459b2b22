// The real data path: the farm_filter XDP program and its pinned maps.
//
// open() loads the object with its maps pinned under
// <bpffs>/safefarm/<instance>/ and attaches the program through libxdp
// (native first, skb as fallback, or as forced). If the program is already
// attached and its maps pinned (an agent restart), it adopts them instead:
// filtering never stops. One writer per instance, serialized by a lock file.
#pragma once

#include <memory>
#include <string>

#include "dataplane/DataPath.h"
#include "dataplane/XdpMode.h"

struct farm_filter;
struct xdp_program;

namespace safefarm {

struct BpfDataPathOptions {
    std::string ifname;
    std::string instance;  // names the pin folder; one per node and module
    XdpMode mode = XdpMode::Auto;
    std::string bpffs = "/sys/fs/bpf";
    bool adoptOnly = false;  // fail instead of attaching when nothing is attached
};

class BpfDataPath : public DataPath {
public:
    static Result<std::unique_ptr<BpfDataPath>> open(const BpfDataPathOptions& options);
    // Detaches the program from the interface and removes the pins.
    static Result<void> remove(const BpfDataPathOptions& options);
    ~BpfDataPath() override;

    Result<void> install(const EpochSpec& spec) override;
    Result<void> renewLease(std::chrono::nanoseconds deadline) override;
    Result<void> addForeignFlows(const std::vector<FlowEntry>& flows) override;
    Result<ReasonCounters> counters() override;
    std::shared_ptr<const TrafficReader> trafficReader() override;
    uint64_t installedEpoch() const override;
    Result<std::vector<farm_bucket>> installedBuckets() const override;
    std::chrono::nanoseconds leaseDeadline() const override;

    bool adopted() const { return adopted_; }               // found attached and pinned
    std::string attachMode() const { return attachMode_; }  // "native", "skb"
    std::string pinDir() const { return pinDir_; }

private:
    BpfDataPath() = default;

    farm_filter* skel_ = nullptr;
    xdp_program* prog_ = nullptr;
    farm_state* state_ = nullptr;  // mmapped farm_state entry
    size_t stateLen_ = 0;
    int lockFd_ = -1;
    bool adopted_ = false;
    std::string attachMode_;
    std::string pinDir_;
    std::string ifname_;
};

}  // namespace safefarm
