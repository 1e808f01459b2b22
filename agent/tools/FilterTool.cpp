// safefarm-filter: drives the farm data path by hand, without the agent.
// Used by the lab, the demo and benchmarks, and by operators to inspect a
// node (counters). It keeps no state of its own: everything lives in the
// pinned maps, so each call is one short process.
#include <netinet/in.h>
#include <time.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>

#include "buckets/BucketTable.h"
#include "dataplane/BpfDataPath.h"
#include "farm_hash.h"

using namespace safefarm;

namespace {

struct Args {
    std::string instance, ifname, xdpMode = "auto", mode = "invisible", vmac, key;
    std::vector<std::string> nodes, members, vips, rules;
    int nodeId = -1, designated = -1;
    bool arpRule = false;
    uint64_t leaseMs = 3600000, epoch = 0;
    // owner
    std::string addr, filter = "on_addr";
    int port = -1;
};

[[noreturn]] void die(const std::string& msg) {
    std::cerr << "safefarm-filter: " << msg << "\n";
    std::exit(1);
}

template <class T>
T must(Result<T> r) {
    if (!r) die(r.error().message());
    return std::move(r).value();
}

void must(Result<void> r) {
    if (!r) die(r.error().message());
}

std::array<uint64_t, 2> parseKey(const std::string& hex) {
    if (hex.size() != 32 || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
        die("--key must be 32 hex digits (the cluster hash key)");
    return {std::stoull(hex.substr(0, 16), nullptr, 16), std::stoull(hex.substr(16), nullptr, 16)};
}

std::vector<BucketMember> parseMembers(const std::vector<std::string>& in) {
    std::vector<BucketMember> out;
    for (const auto& m : in) {
        auto colon = m.find(':');
        BucketMember b;
        b.id = static_cast<uint8_t>(std::stoul(m.substr(0, colon)));
        if (colon != std::string::npos) b.weight = static_cast<uint32_t>(std::stoul(m.substr(colon + 1)));
        out.push_back(b);
    }
    return out;
}

farm_filter_kind parseFilter(const std::string& f) {
    if (f == "on_addr") return FARM_FILTER_ON_ADDR;
    if (f == "on_port") return FARM_FILTER_ON_PORT;
    if (f == "on_ipid") return FARM_FILTER_ON_IPID;
    die("unknown filter '" + f + "' (on_addr, on_port, on_ipid)");
}

EpochSpec buildSpec(const Args& a, uint64_t epoch) {
    EpochSpec s;
    s.epoch = epoch;
    if (a.mode == "invisible")
        s.mode = FARM_MODE_VMAC_INVISIBLE;
    else if (a.mode == "directed")
        s.mode = FARM_MODE_VMAC_DIRECTED;
    else
        die("--mode must be invisible or directed");
    if (a.nodeId < 0) die("--node-id is required");
    s.myId = static_cast<uint8_t>(a.nodeId);
    s.hashKey = parseKey(a.key);
    for (const auto& n : a.nodes) {
        auto eq = n.find('=');
        if (eq == std::string::npos) die("--node takes ID=MAC, got '" + n + "'");
        FarmPeer p{static_cast<uint8_t>(std::stoul(n.substr(0, eq))), must(parseMac(n.substr(eq + 1)))};
        if (p.id == s.myId) s.myMac = p.mac;
        s.peers.push_back(p);
    }
    for (const auto& v : a.vips) s.vips.push_back(must(parseIp(v)));
    if (s.vips.empty()) die("at least one --vip is required");
    s.vmac = a.vmac.empty() ? defaultVmac(s.vips[0]) : must(parseMac(a.vmac));
    for (const auto& r : a.rules) {
        // PROTO:PORT:FILTER
        auto c1 = r.find(':'), c2 = r.rfind(':');
        if (c1 == std::string::npos || c1 == c2) die("--rule takes PROTO:PORT:FILTER, got '" + r + "'");
        FarmRule fr;
        std::string proto = r.substr(0, c1);
        if (proto == "tcp")
            fr.proto = IPPROTO_TCP;
        else if (proto == "udp")
            fr.proto = IPPROTO_UDP;
        else
            die("rule protocol must be tcp or udp, got '" + proto + "'");
        fr.port = static_cast<uint16_t>(std::stoul(r.substr(c1 + 1, c2 - c1 - 1)));
        fr.filter = parseFilter(r.substr(c2 + 1));
        s.rules.push_back(fr);
    }
    if (a.arpRule) s.arpFilter = FARM_FILTER_ON_ADDR;
    auto members = parseMembers(a.members);
    if (members.empty()) die("at least one --member is required");
    s.buckets = computeBuckets(members);
    uint8_t lowest = FARM_NODE_NONE;
    for (const auto& m : members) lowest = std::min(lowest, m.id);
    s.designated = a.designated >= 0 ? static_cast<uint8_t>(a.designated) : lowest;
    return s;
}

XdpMode xdpMode(const std::string& m) {
    if (auto mode = parseXdpMode(m)) return *mode;
    die("--xdp-mode must be one of " + std::string(kXdpModeChoices));
}

std::chrono::nanoseconds monotonicNow() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

BpfDataPathOptions adoptOnly(const Args& a) {
    BpfDataPathOptions o{a.ifname, a.instance, XdpMode::Auto};
    o.adoptOnly = true;
    return o;
}

void addEpochOptions(CLI::App* c, Args& a) {
    c->add_option("--instance", a.instance, "pin folder name (one per node)")->required();
    c->add_option("--ifname", a.ifname, "farm interface")->required();
    c->add_option("--xdp-mode", a.xdpMode, std::string(kXdpModeChoices));
    c->add_option("--node-id", a.nodeId, "this node's id")->required();
    c->add_option("--node", a.nodes, "ID=MAC of every node, this one included")->required();
    c->add_option("--member", a.members, "ID[:WEIGHT] of each live member")->required();
    c->add_option("--vip", a.vips, "virtual address (repeat)")->required();
    c->add_option("--vmac", a.vmac, "virtual MAC (default 5a:fe + IPv4 VIP)");
    c->add_option("--mode", a.mode, "invisible|directed");
    c->add_option("--rule", a.rules, "PROTO:PORT:FILTER, e.g. tcp:80:on_addr");
    c->add_flag("--arp-rule", a.arpRule, "vmac_directed: ARP answered by the requester's hash owner");
    c->add_option("--designated", a.designated, "designated node (default: lowest member)");
    c->add_option("--key", a.key, "cluster hash key, 32 hex digits")->required();
    c->add_option("--lease-ms", a.leaseMs, "lease from now, in ms");
    c->add_option("--epoch", a.epoch, "epoch number (default: installed + 1)");
}

int upOrInstall(const Args& a, bool attach) {
    BpfDataPathOptions o{a.ifname, a.instance, xdpMode(a.xdpMode)};
    o.adoptOnly = !attach;
    auto dp = must(BpfDataPath::open(o));
    uint64_t epoch = a.epoch ? a.epoch : dp->installedEpoch() + 1;
    must(dp->install(buildSpec(a, epoch)));
    must(dp->renewLease(monotonicNow() + std::chrono::milliseconds(a.leaseMs)));
    std::cout << (dp->adopted() ? "adopted" : "attached") << " farm_filter on " << a.ifname << " (" << dp->attachMode()
              << " mode), epoch " << epoch << ", lease " << a.leaseMs << " ms\n";
    return 0;
}

// libbpf and libxdp narrate every load at info level; keep their warnings,
// except the failures of libxdp's dispatcher probe: where the kernel refuses
// the dispatcher, libxdp attaches the program alone, which is what we want.
int quietLibbpf(enum libbpf_print_level level, const char* fmt, va_list args) {
    if (level != LIBBPF_WARN) return 0;
    char line[1024];
    std::vsnprintf(line, sizeof line, fmt, args);
    for (const char* probe : {"xdp_pass", "xdp-dispatcher", "ulimit -l"})
        if (std::strstr(line, probe)) return 0;
    return std::fputs(line, stderr);
}

int quietLibxdp(enum libxdp_print_level level, const char* fmt, va_list args) {
    if (level != LIBXDP_WARN) return 0;
    return std::vfprintf(stderr, fmt, args);
}

}  // namespace

int main(int argc, char** argv) {
    libbpf_set_print(quietLibbpf);
    libxdp_set_print(quietLibxdp);
    CLI::App app{"safefarm-filter: load, configure and inspect the farm XDP filter"};
    app.require_subcommand(1);
    Args a;

    auto* up = app.add_subcommand("up", "attach (or adopt) the filter and install an epoch");
    addEpochOptions(up, a);
    auto* install = app.add_subcommand("install", "install a new epoch into the attached filter");
    addEpochOptions(install, a);

    auto* renew = app.add_subcommand("renew", "renew the lease");
    renew->add_option("--instance", a.instance)->required();
    renew->add_option("--ifname", a.ifname)->required();
    renew->add_option("--lease-ms", a.leaseMs)->required();

    auto* counters = app.add_subcommand("counters", "print the verdict counters as JSON");
    counters->add_option("--instance", a.instance)->required();
    counters->add_option("--ifname", a.ifname)->required();

    auto* down = app.add_subcommand("down", "detach the filter and remove its pins");
    down->add_option("--instance", a.instance)->required();
    down->add_option("--ifname", a.ifname)->required();

    auto* owner = app.add_subcommand("owner", "print the node that owns a client");
    owner->add_option("--key", a.key)->required();
    owner->add_option("--member", a.members)->required();
    owner->add_option("--addr", a.addr, "client address")->required();
    owner->add_option("--port", a.port, "client port (on_port)");
    owner->add_option("--filter", a.filter, "on_addr|on_port");

    CLI11_PARSE(app, argc, argv);

    if (*up) return upOrInstall(a, true);
    if (*install) return upOrInstall(a, false);
    if (*renew) {
        auto dp = must(BpfDataPath::open(adoptOnly(a)));
        must(dp->renewLease(monotonicNow() + std::chrono::milliseconds(a.leaseMs)));
        return 0;
    }
    if (*counters) {
        auto dp = must(BpfDataPath::open(adoptOnly(a)));
        auto c = must(dp->counters());
        nlohmann::json j = nlohmann::json::object();
        for (int r = 0; r < FARM_R_MAX; r++) j[reasonName(r)] = {{"packets", c[r].packets}, {"bytes", c[r].bytes}};
        std::cout << j.dump() << "\n";
        return 0;
    }
    if (*down) {
        must(BpfDataPath::remove({a.ifname, a.instance}));
        return 0;
    }
    if (*owner) {
        auto key = parseKey(a.key);
        IpAddr ip = must(parseIp(a.addr));
        farm_filter_kind f = parseFilter(a.filter);
        bool withPort = f != FARM_FILTER_ON_ADDR;
        if (withPort && a.port < 0) die("--filter " + a.filter + " needs --port");
        __u64 k[2] = {key[0], key[1]};
        __u32 bucket = farm_bucket_of(k, ip.words.data(), ip.family == AF_INET6,
                                      withPort ? static_cast<__u32>(a.port) : 0, withPort);
        auto table = computeBuckets(parseMembers(a.members));
        std::cout << int(table[bucket].owner) << "\n";
        return 0;
    }
    return 1;
}
