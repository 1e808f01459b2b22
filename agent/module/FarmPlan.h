// What a module's farm looks like to the data path, worked out once from its
// configuration when the module starts: the node table (cluster.xml order
// gives the ids), the VIPs, the rules, the vMAC and the weights of the group.
// Everything that can be refused is refused here, before anything on the
// node changes.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/NetAddr.h"
#include "common/Result.h"
#include "config/ModuleConfig.h"
#include "dataplane/EpochSpec.h"
#include "membership/Ownership.h"

namespace safefarm::module {

struct FarmNode {
    uint8_t id = 0;  // 1-based position in the first <farm><lan> of cluster.xml
    std::string name;
    std::vector<IpAddr> lanAddrs;  // one per <farm><lan>, in that order
};

struct FarmPlan {
    std::vector<FarmNode> nodes;
    uint8_t self = 0;
    std::string ifname;               // the interface the VIPs live on (XDP attaches here)
    XdpMode xdpMode = XdpMode::Auto;  // its <interface xdp_mode>
    farm_mode mode = FARM_MODE_VMAC_INVISIBLE;
    Mac vmac{};
    std::vector<IpAddr> vips;
    std::vector<FarmRule> rules;
    std::optional<farm_filter_kind> arpFilter;
    std::vector<membership::GroupHost> hosts;  // empty: every member, weight 1
    uint16_t port = 0;                         // heartbeat UDP port

    const FarmNode* node(uint8_t id) const;
    const FarmNode* nodeNamed(const std::string& name) const;
};

// An address configured on this node (getifaddrs).
struct LocalAddr {
    std::string ifname;
    IpAddr addr;
    int prefixLen = 0;
};
std::vector<LocalAddr> localAddresses();

// The farm's nodes: every node of the module's first lan, its id its
// position there (1..), with its addresses on the module's lans.
Result<std::vector<FarmNode>> farmNodes(const config::ModuleConfig& module, const config::ClusterConfig& cluster);

// `selfName` picks this node; empty: the node one of whose lan addresses is
// configured here, as SafeKit finds itself. An <interface> without a name is
// the one whose subnet holds the first VIP, as in SafeKit.
Result<FarmPlan> makeFarmPlan(const config::ModuleConfig& module, const config::ClusterConfig& cluster,
                              const std::string& selfName, const std::vector<LocalAddr>& local);

}  // namespace safefarm::module
