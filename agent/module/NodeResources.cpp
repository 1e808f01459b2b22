#include "module/NodeResources.h"

#include <netinet/in.h>

namespace safefarm::module {

using control::MessageId;

namespace {

std::string arpAnnounceKey(const FarmPlan& plan) { return "net/ipv4/conf/" + plan.ifname + "/arp_announce"; }

// The IPv6 VIP lives on lo: on the farm interface the node's own neighbour
// solicitations, sent from the VIP, would point clients at its real MAC
// (found by the filter lab test; README "IPv6 VIP on lo"). The XDP filter
// answers neighbour solicitations for it on the farm interface.
std::string vipDevice(const FarmPlan& plan, const IpAddr& vip) { return vip.family == AF_INET6 ? "lo" : plan.ifname; }

}  // namespace

NodeResources::NodeResources(const FarmPlan& plan, net::NetSetup& net, OpenDataPath open, RemoveDataPath remove,
                             const Logger& log)
    : plan_(plan), net_(net), open_(std::move(open)), remove_(std::move(remove)), log_(log) {}

NodeResources::~NodeResources() = default;

Result<void> NodeResources::acquire(std::optional<std::string> restoreArp, const Fence& fence) {
    auto link = net_.link(plan_.ifname);
    if (!link) return link.error();
    mac_ = link->mac;

    auto old = net_.setSysctl(arpAnnounceKey(plan_), "2");
    if (!old) return old.error();
    oldArpAnnounce_ = restoreArp ? *restoreArp : old.value();

    if (plan_.mode == FARM_MODE_VMAC_INVISIBLE) {
        if (auto r = net_.addUnicastMac(plan_.ifname, plan_.vmac); !r) return r.error();
        vmacAdded_ = true;
    }

    auto dp = open_();
    if (!dp) return dp.error();
    dataPath_ = std::move(dp.value());
    if (auto r = fence(*dataPath_); !r) return r.error();
    return addVips();
}

Result<void> NodeResources::addVips() {
    for (const auto& vip : plan_.vips) {
        if (auto r = net_.addAddress(vipDevice(plan_, vip), vip); !r) return r.error();
        addedVips_.push_back(vip);
        log_.info(MessageId::SF_NET_VIP, formatIp(vip) + " on " + vipDevice(plan_, vip));
    }
    return success();
}

void NodeResources::release() {
    for (auto it = addedVips_.rbegin(); it != addedVips_.rend(); ++it)
        if (auto r = net_.removeAddress(vipDevice(plan_, *it), *it); !r)
            log_.warn(MessageId::SF_NET_VIP, r.error().message());
    addedVips_.clear();
    if (dataPath_) {
        (void)dataPath_->renewLease(std::chrono::nanoseconds{0});
        dataPath_.reset();
        if (auto r = remove_(); !r) log_.warn(MessageId::SF_DATAPATH, r.error().message());
    }
    if (vmacAdded_) {
        if (auto r = net_.removeUnicastMac(plan_.ifname, plan_.vmac); !r)
            log_.warn(MessageId::SF_NET_VMAC, r.error().message());
        vmacAdded_ = false;
    }
    if (oldArpAnnounce_) {
        (void)net_.setSysctl(arpAnnounceKey(plan_), *oldArpAnnounce_);
        oldArpAnnounce_.reset();
    }
}

}  // namespace safefarm::module
