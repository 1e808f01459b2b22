#include "module/FarmPlan.h"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <cstring>

#include <algorithm>
#include <set>

namespace safefarm::module {

const FarmNode* FarmPlan::node(uint8_t id) const {
    for (const auto& n : nodes)
        if (n.id == id) return &n;
    return nullptr;
}

const FarmNode* FarmPlan::nodeNamed(const std::string& name) const {
    for (const auto& n : nodes)
        if (n.name == name) return &n;
    return nullptr;
}

std::vector<LocalAddr> localAddresses() {
    std::vector<LocalAddr> out;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return out;
    for (ifaddrs* i = list; i; i = i->ifa_next) {
        if (!i->ifa_addr || !i->ifa_netmask) continue;
        LocalAddr a;
        a.ifname = i->ifa_name;
        a.addr.family = i->ifa_addr->sa_family;
        const uint8_t* mask = nullptr;
        size_t len = 0;
        if (a.addr.family == AF_INET) {
            std::memcpy(a.addr.words.data(), &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, 4);
            mask = reinterpret_cast<const uint8_t*>(&reinterpret_cast<sockaddr_in*>(i->ifa_netmask)->sin_addr);
            len = 4;
        } else if (a.addr.family == AF_INET6) {
            std::memcpy(a.addr.words.data(), &reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr, 16);
            mask = reinterpret_cast<const uint8_t*>(&reinterpret_cast<sockaddr_in6*>(i->ifa_netmask)->sin6_addr);
            len = 16;
        } else {
            continue;
        }
        for (size_t k = 0; k < len; k++) a.prefixLen += __builtin_popcount(mask[k]);
        out.push_back(a);
    }
    freeifaddrs(list);
    return out;
}

namespace {

bool sameSubnet(const IpAddr& a, const IpAddr& b, int prefixLen) {
    if (a.family != b.family) return false;
    const auto* x = reinterpret_cast<const uint8_t*>(a.words.data());
    const auto* y = reinterpret_cast<const uint8_t*>(b.words.data());
    for (int bit = 0; bit < prefixLen; bit++)
        if (((x[bit / 8] ^ y[bit / 8]) >> (7 - bit % 8)) & 1) return false;
    return true;
}

}  // namespace

// cluster.xml is the same file on every node, so the position of a node in
// the module's first lan is an id every node agrees on without a message.
Result<std::vector<FarmNode>> farmNodes(const config::ModuleConfig& module, const config::ClusterConfig& cluster) {
    if (module.farm.lans.empty()) return badInput("<farm> names no <lan>");
    std::vector<FarmNode> nodes;
    const auto* first = cluster.findLan(module.farm.lans[0]);
    if (!first) return badInput("lan '" + module.farm.lans[0] + "' is not in " + cluster.file);
    if (first->nodes.size() > FARM_MAX_NODES - 1) return badInput("lan '" + first->name + "' has more than 254 nodes");
    for (size_t i = 0; i < first->nodes.size(); i++)
        nodes.push_back(FarmNode{static_cast<uint8_t>(i + 1), first->nodes[i].name, {first->nodes[i].addr}});
    for (size_t l = 1; l < module.farm.lans.size(); l++) {
        const auto* lan = cluster.findLan(module.farm.lans[l]);
        if (!lan) return badInput("lan '" + module.farm.lans[l] + "' is not in " + cluster.file);
        for (auto& n : nodes) {
            auto it = std::find_if(lan->nodes.begin(), lan->nodes.end(),
                                   [&](const config::ClusterNode& c) { return c.name == n.name; });
            if (it == lan->nodes.end())
                return badInput("node '" + n.name + "' is on lan '" + first->name + "' but not on lan '" + lan->name +
                                "'");
            n.lanAddrs.push_back(it->addr);
        }
    }
    return nodes;
}

namespace {

farm_filter_kind filterKind(config::HashFilter f) {
    switch (f) {
        case config::HashFilter::OnPort: return FARM_FILTER_ON_PORT;
        case config::HashFilter::OnIpid: return FARM_FILTER_ON_IPID;
        case config::HashFilter::OnAddr: break;
    }
    return FARM_FILTER_ON_ADDR;
}

// A <rule> becomes data-path rules: "*" is one any-port rule; N-M is one rule
// per port (the data path matches single ports), refused past its 64 slots.
Result<void> addRules(const config::LbGroup& group, FarmPlan& plan) {
    for (const auto& r : group.rules) {
        if (r.proto == config::Proto::Arp) {
            plan.arpFilter = filterKind(r.filter);
            continue;
        }
        std::optional<uint8_t> vip;
        if (r.virtualAddr != "*" && !r.virtualAddr.empty()) {
            auto addr = parseIp(r.virtualAddr);
            if (!addr) return badInput("rule virtual_addr '" + r.virtualAddr + "' is not an address");
            auto it = std::find(plan.vips.begin(), plan.vips.end(), addr.value());
            if (it == plan.vips.end())
                return badInput("rule virtual_addr " + r.virtualAddr + " is not a <virtual_addr>");
            vip = static_cast<uint8_t>(it - plan.vips.begin());
        }
        uint8_t proto = r.proto == config::Proto::Udp ? IPPROTO_UDP : IPPROTO_TCP;
        bool every = r.portLow <= 1 && r.portHigh == 65535;
        uint32_t low = every ? 0 : r.portLow, high = every ? 0 : r.portHigh;
        for (uint32_t p = low; p <= high; p++) {
            if (plan.rules.size() >= FARM_MAX_RULES)
                return badInput("the rules of group '" + group.name + "' need more than " +
                                std::to_string(FARM_MAX_RULES) + " data-path rules (use '*' or fewer ports)");
            plan.rules.push_back(FarmRule{vip, proto, static_cast<uint16_t>(p), filterKind(r.filter)});
        }
    }
    return {};
}

}  // namespace

Result<FarmPlan> makeFarmPlan(const config::ModuleConfig& module, const config::ClusterConfig& cluster,
                              const std::string& selfName, const std::vector<LocalAddr>& local) {
    FarmPlan plan;
    auto nodes = farmNodes(module, cluster);
    if (!nodes) return nodes.error();
    plan.nodes = std::move(nodes.value());
    plan.port = module.farm.port;

    for (const auto& n : plan.nodes) {
        bool here = std::any_of(n.lanAddrs.begin(), n.lanAddrs.end(), [&](const IpAddr& a) {
            return std::any_of(local.begin(), local.end(), [&](const LocalAddr& l) { return l.addr == a; });
        });
        if ((!selfName.empty() && n.name == selfName) || (selfName.empty() && here)) {
            if (plan.self != 0) return badInput("more than one node of the farm matches this machine");
            plan.self = n.id;
        }
    }
    if (plan.self == 0)
        return badInput(selfName.empty() ? "none of the farm's node addresses is configured on this machine"
                                         : "node '" + selfName + "' is not in the farm's lans");

    if (module.vip.interfaces.size() != 1)
        return badInput("the module needs exactly one <interface> (has " +
                        std::to_string(module.vip.interfaces.size()) + ")");
    const auto& intf = module.vip.interfaces[0];
    plan.ifname = intf.name;
    plan.xdpMode = intf.xdpMode;
    if (intf.virtualInterfaces.size() != 1) return badInput("the <interface> needs exactly one <virtual_interface>");
    const auto& vi = intf.virtualInterfaces[0];
    // vmac_directed: no vMAC, each node takes frames at its own MAC and
    // relays to the owner at the MAC its heartbeats carry (DESIGN §1).
    plan.mode = vi.type == config::VmacType::Directed ? FARM_MODE_VMAC_DIRECTED : FARM_MODE_VMAC_INVISIBLE;
    for (const auto& a : vi.addrs) plan.vips.push_back(a.addr);
    if (plan.vips.empty()) return badInput("no <virtual_addr>");
    if (plan.vips.size() > FARM_MAX_VIPS) return badInput("more than 16 <virtual_addr>");
    if (plan.mode == FARM_MODE_VMAC_INVISIBLE) plan.vmac = vi.vmac ? *vi.vmac : defaultVmac(plan.vips[0]);
    if (plan.ifname.empty()) {
        // The interface of the subnet that holds the VIP (not the VIP itself,
        // which a previous run may have left on lo or on the interface).
        for (const auto& l : local)
            if (l.addr != plan.vips[0] && l.ifname != "lo" && l.prefixLen < (l.addr.family == AF_INET ? 32 : 128) &&
                sameSubnet(l.addr, plan.vips[0], l.prefixLen)) {
                plan.ifname = l.ifname;
                break;
            }
        if (plan.ifname.empty())
            return badInput("<interface> has no name and no interface here holds the subnet of " +
                            formatIp(plan.vips[0]));
    }

    // One bucket table per node: groups may add rules, but they must agree on
    // who serves (a table per group is not in the data path).
    const config::LbGroup* hostsOf = nullptr;
    for (const auto& g : module.vip.groups) {
        if (auto r = addRules(g, plan); !r) return r.error();
        if (g.hosts.empty()) continue;
        if (hostsOf && hostsOf->hosts.size() != g.hosts.size())
            return badInput("groups '" + hostsOf->name + "' and '" + g.name + "' list different hosts");
        hostsOf = &g;
    }
    if (hostsOf) {
        for (const auto& h : hostsOf->hosts) {
            const auto* n = plan.nodeNamed(h.name);
            if (!n) return badInput("group '" + hostsOf->name + "' names host '" + h.name + "', not a farm node");
            plan.hosts.push_back(membership::GroupHost{n->id, h.power});
        }
    }
    if (plan.rules.empty()) return badInput("no tcp or udp <rule>: the farm would filter nothing");
    return plan;
}

}  // namespace safefarm::module
