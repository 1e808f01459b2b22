// What a running module holds on this node outside its own memory (DESIGN
// §5): arp_announce = 2 on the farm interface, the vMAC in its unicast
// filter (vmac_invisible; vmac_directed has none), the XDP data path and the
// VIP addresses. A start and a resume acquire them alike and in this order,
// so that the filter fences the VIPs before the kernel accepts them;
// release() undoes whatever was acquired, in reverse, whichever step failed.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/Result.h"
#include "dataplane/DataPath.h"
#include "module/FarmPlan.h"
#include "module/Logger.h"
#include "net/NetSetup.h"

namespace safefarm::module {

class NodeResources {
public:
    using OpenDataPath = std::function<Result<std::unique_ptr<DataPath>>()>;
    using RemoveDataPath = std::function<Result<void>()>;
    // What the data path serves before the first VIP is added.
    using Fence = std::function<Result<void>(DataPath&)>;

    NodeResources(const FarmPlan& plan, net::NetSetup& net, OpenDataPath open, RemoveDataPath remove,
                  const Logger& log);
    ~NodeResources();  // releases nothing: detach() or release() first
    NodeResources(const NodeResources&) = delete;
    NodeResources& operator=(const NodeResources&) = delete;

    // `restoreArp`: the arp_announce value the release restores; nullopt at
    // a start (the one found), the running mark's at a resume (the
    // interface has had ours since).
    Result<void> acquire(std::optional<std::string> restoreArp, const Fence& fence);
    void release();
    // safed exits: the data path is closed, its pins stay for the next safed
    // to adopt; the rest stays as it is.
    void detach() { dataPath_.reset(); }

    const Mac& mac() const { return mac_; }  // the farm interface's own
    DataPath* dataPath() const { return dataPath_.get(); }
    // arp_announce before the module set it: what the running mark keeps.
    const std::optional<std::string>& arpAnnounce() const { return oldArpAnnounce_; }

private:
    Result<void> addVips();

    const FarmPlan& plan_;
    net::NetSetup& net_;
    OpenDataPath open_;
    RemoveDataPath remove_;
    const Logger& log_;

    Mac mac_{};
    std::optional<std::string> oldArpAnnounce_;
    bool vmacAdded_ = false;
    std::unique_ptr<DataPath> dataPath_;
    std::vector<IpAddr> addedVips_;
};

}  // namespace safefarm::module
