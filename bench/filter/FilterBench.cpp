// farm_filter_bench: what each farm_filter path costs per packet, measured
// with BPF_PROG_TEST_RUN (repeat >= 1,000,000; the kernel reports the mean
// per repetition) against a bare XDP_PASS program in the same run. Rounds
// are interleaved (every path once per round) and the median is reported,
// so a noisy moment hits all paths alike. JSON on stdout; needs root.
//
// Every path, bare included, runs through bench_restore (see
// bench_harness.bpf.c), which restores the frame the filter rewrites in
// place before each repetition and tail-calls the program under test; the
// deltas against bare are the filter's own cost. Each path's verdict counter
// is checked to have moved by exactly the number of repetitions, so a
// number is never reported for a path the packet did not take.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "BpfTestProgram.h"
#include "PacketBuilder.h"
#include "farm_abi.h"
#include "farm_hash.h"

using namespace safefarm;
using namespace safefarm::test;

namespace {

constexpr int kRepeat = 1'000'000;
constexpr int kRounds = 9;
constexpr double kAcceptDropBudgetNs = 15;
constexpr double kTransitionBudgetNs = 60;

const Mac kMyMac = mac("02:00:00:00:00:a1");
const Mac kMac0 = mac("02:00:00:00:00:a0");
const Mac kMac2 = mac("02:00:00:00:00:a2");
const Mac kClientMac = mac("02:00:00:00:00:c1");
const IpAddr kVip = ip("10.0.0.100");
const Mac kVmac = defaultVmac(kVip);

struct Path {
    std::string name;
    Bytes frame;
    int target;  // program fd tail-called by the harness
    int reason;  // farm_reason the filter must count (-1: bare)
    std::vector<double> samples;
    bool verified = true;
};

[[noreturn]] void die(const std::string& what) {
    std::cerr << "farm_filter_bench: " << what << "\n";
    std::exit(1);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

uint32_t bucketOf(const EpochSpec& e, const IpAddr& client, std::optional<uint32_t> extra = std::nullopt) {
    return farm_bucket_of(reinterpret_cast<const __u64*>(e.hashKey.data()), client.words.data(), 0, extra.value_or(0),
                          extra.has_value());
}

Bytes withDst(Bytes frame, const Mac& dst) {
    std::memcpy(frame.data(), dst.data(), 6);
    return frame;
}

Bytes tcpFrame(const IpAddr& client, uint8_t flags) {
    return PacketBuilder().eth(kVmac, kClientMac).ipv4(client, kVip).tcp(40000, 80, flags).payload(6).build();
}

}  // namespace

int main() {
    if (geteuid() != 0) die("needs root (BPF_PROG_TEST_RUN)");
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    CPU_SET(0, &cpus);
    sched_setaffinity(0, sizeof cpus, &cpus);  // one CPU: the per-CPU counters and caches stay put

    BpfTestProgram farm;
    if (!farm.ok()) die(farm.error());

    // The harness: bare_pass and bench_restore.
    bpf_object* harness = bpf_object__open_file(BENCH_HARNESS_OBJ, nullptr);
    if (!harness || bpf_object__load(harness)) die("loading " BENCH_HARNESS_OBJ);
    int bareFd = bpf_program__fd(bpf_object__find_program_by_name(harness, "bare_pass"));
    int ktimeFd = bpf_program__fd(bpf_object__find_program_by_name(harness, "ktime_pass"));
    int restoreFd = bpf_program__fd(bpf_object__find_program_by_name(harness, "bench_restore"));
    int targetMap = bpf_object__find_map_fd_by_name(harness, "bench_target");
    int templateMap = bpf_object__find_map_fd_by_name(harness, "bench_template");

    // One epoch serves every path: node 1 of 3, vmac_invisible, designated (answers ARP).
    EpochSpec e;
    e.epoch = 1;
    e.mode = FARM_MODE_VMAC_INVISIBLE;
    e.myId = 1;
    e.designated = 1;
    e.vmac = kVmac;
    e.myMac = kMyMac;
    e.hashKey = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
    e.vips = {kVip};
    e.rules = {FarmRule{std::nullopt, IPPROTO_TCP, 80, FARM_FILTER_ON_ADDR},
               FarmRule{std::nullopt, IPPROTO_UDP, 53, FARM_FILTER_ON_PORT}};
    e.peers = {FarmPeer{0, kMac0}, FarmPeer{1, kMyMac}, FarmPeer{2, kMac2}};
    e.buckets.assign(FARM_BUCKETS, farm_bucket{0, 0, 0, 0});
    const IpAddr accept = ip("10.1.0.5"), drop = ip("10.1.0.6"), moving = ip("10.1.0.7"), udp = ip("10.1.0.8");
    std::vector<uint32_t> used = {bucketOf(e, accept), bucketOf(e, drop), bucketOf(e, moving), bucketOf(e, udp, 40000)};
    std::vector<uint32_t> uniq = used;
    std::sort(uniq.begin(), uniq.end());
    if (std::unique(uniq.begin(), uniq.end()) != uniq.end()) die("clients collide in one bucket; pick others");
    e.buckets[used[0]] = farm_bucket{1, 1, 0, 0};
    e.buckets[used[2]] = farm_bucket{2, 1, FARM_BUCKET_TRANSITION, 0};  // leaving this node
    e.buckets[used[3]] = farm_bucket{1, 1, 0, 0};
    if (auto r = farm.installEpoch(0, e); !r) die(r.error().message());
    farm_state st{};
    st.abi_version = FARM_ABI_VERSION;
    if (!farm.writeState(st) || !farm.setLeaseFromNow(3600ll * 1'000'000'000)) die("writing farm_state");
    // The moving client's connection is one this node holds.
    farm_flow_key k{};
    k.saddr[0] = moving.words[0];
    k.daddr[0] = kVip.words[0];
    k.sport = htons(40000);
    k.dport = htons(80);
    k.proto = IPPROTO_TCP;
    k.family = 4;
    farm_flow f{};
    f.kind = FARM_FLOW_OWN;
    f.bucket = used[2];
    if (!farm.writeFlow(k, f)) die("writing the flow");

    const int farmFd = farm.progFd();
    std::vector<Path> paths = {
        {"bare_pass", tcpFrame(accept, kTcpAck), bareFd, -1, {}},
        {"accept", tcpFrame(accept, kTcpAck), farmFd, FARM_R_ACCEPT_OWNER, {}},
        {"drop", tcpFrame(drop, kTcpAck), farmFd, FARM_R_DROP_NOT_OWNER, {}},
        {"arp",
         PacketBuilder()
             .eth(mac("ff:ff:ff:ff:ff:ff"), kClientMac)
             .arp(1, kClientMac, accept, mac("00:00:00:00:00:00"), kVip)
             .build(),
         farmFd,
         FARM_R_TX_ARP_REPLY,
         {}},
        {"transition", tcpFrame(moving, kTcpAck), farmFd, FARM_R_ACCEPT_FLOW, {}},
        {"udp_accept",
         PacketBuilder().eth(kVmac, kClientMac).ipv4(udp, kVip).udp(40000, 53).payload(16).build(),
         farmFd,
         FARM_R_ACCEPT_OWNER,
         {}},
        // A SYN for another node's bucket also forgets a stale flow on its
        // 5-tuple (a map delete: forget_stale_flow in the program).
        {"drop_syn", tcpFrame(drop, kTcpSyn), farmFd, FARM_R_DROP_NOT_OWNER, {}},
    };

    auto runOnce = [&](Path& p, int repeat) -> double {
        uint32_t zero = 0;
        if (bpf_map_update_elem(targetMap, &zero, &p.target, BPF_ANY)) die("setting bench_target");
        if (bpf_map_update_elem(templateMap, &zero, p.frame.data(), BPF_ANY)) die("setting bench_template");
        auto before = farm.counters();
        Bytes out(4096);
        LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p.frame.data(), .data_out = out.data(),
                    .data_size_in = static_cast<__u32>(p.frame.size()), .data_size_out = static_cast<__u32>(out.size()),
                    .repeat = repeat);
        if (bpf_prog_test_run_opts(restoreFd, &opts)) die("BPF_PROG_TEST_RUN: " + std::string(std::strerror(errno)));
        auto after = farm.counters();
        if (!before || !after) die("reading counters");
        if (p.reason >= 0) {
            for (int r = 0; r < FARM_R_MAX; r++) {
                uint64_t d = after.value()[r].packets - before.value()[r].packets;
                if (d != (r == p.reason ? static_cast<uint64_t>(repeat) : 0u)) p.verified = false;
            }
        } else if (opts.retval != XDP_PASS) {
            p.verified = false;
        }
        return opts.duration;
    };

    // Without the harness, for reference, on frames the program leaves as they are:
    // bare, one clock read, a frame to another MAC (the filter's fixed cost: Ethernet,
    // farm_state, epoch, one counter) and the drop path.
    const Bytes other = withDst(paths[1].frame, mac("02:00:00:00:00:99"));
    struct Direct {
        const char* name;
        int fd;
        const Bytes* frame;
        std::vector<double> samples;
    };
    std::vector<Direct> directs = {{"bare_pass_ns", bareFd, &paths[0].frame, {}},
                                   {"ktime_pass_ns", ktimeFd, &paths[0].frame, {}},
                                   {"pass_other_ns", farmFd, &other, {}},
                                   {"drop_ns", farmFd, &paths[2].frame, {}}};
    auto runDirect = [&](Direct& d) {
        LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = d.frame->data(),
                    .data_size_in = static_cast<__u32>(d.frame->size()), .repeat = kRepeat);
        if (bpf_prog_test_run_opts(d.fd, &opts)) die("BPF_PROG_TEST_RUN (direct)");
        d.samples.push_back(opts.duration);
    };

    for (Path& p : paths) runOnce(p, 10'000);  // warm up: JIT'd code, flow entries, caches
    for (int round = 0; round < kRounds; round++) {
        for (Path& p : paths) p.samples.push_back(runOnce(p, kRepeat));
        for (Direct& d : directs) runDirect(d);
    }

    nlohmann::json j;
    utsname u{};
    uname(&u);
    j["kernel"] = u.release;
    j["repeat"] = kRepeat;
    j["rounds"] = kRounds;
    j["statistic"] = "median over rounds of BPF_PROG_TEST_RUN mean ns per repetition";
    j["harness"] = "bench_restore: restores 42 bytes, tail-calls the program under test";
    const double bare = median(paths[0].samples);
    j["bare_pass_ns"] = bare;
    bool allVerified = true;
    for (const Path& p : paths) {
        double ns = median(p.samples);
        j["paths"][p.name] = {
            {"ns", ns}, {"delta_vs_bare_ns", ns - bare}, {"samples_ns", p.samples}, {"verified", p.verified}};
        allVerified &= p.verified;
    }
    for (const Direct& d : directs) j["direct"][d.name] = median(d.samples);
    auto delta = [&](const char* n) {
        return median(paths[static_cast<size_t>(
                                std::find_if(paths.begin(), paths.end(), [&](const Path& p) { return p.name == n; }) -
                                paths.begin())]
                          .samples) -
               bare;
    };
    j["targets"] = {{"accept_max_delta_ns", kAcceptDropBudgetNs},
                    {"drop_max_delta_ns", kAcceptDropBudgetNs},
                    {"transition_max_delta_ns", kTransitionBudgetNs}};
    j["pass"] = {{"accept", delta("accept") <= kAcceptDropBudgetNs},
                 {"drop", delta("drop") <= kAcceptDropBudgetNs},
                 {"transition", delta("transition") <= kTransitionBudgetNs}};
    j["verified"] = allVerified;
    std::cout << j.dump(2) << std::endl;
    bpf_object__close(harness);
    return allVerified ? 0 : 1;
}
