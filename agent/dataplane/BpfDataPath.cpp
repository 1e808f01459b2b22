#include "dataplane/BpfDataPath.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <net/if.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <xdp/libxdp.h>

#include <atomic>
#include <cstring>
#include <filesystem>

#include "farm_filter.skel.h"

namespace safefarm {
namespace {

namespace fs = std::filesystem;

const char* modeName(xdp_attach_mode m) {
    switch (m) {
        case XDP_MODE_NATIVE: return "native";
        case XDP_MODE_SKB: return "skb";
        case XDP_MODE_HW: return "hw";
        default: return "unspecified";
    }
}

// bpffs must be mounted where libbpf pins and libxdp keeps its dispatcher.
Result<void> ensureBpffs(const std::string& path) {
    struct statfs st {};
    if (statfs(path.c_str(), &st) == 0 && st.f_type == BPF_FS_MAGIC) return success();
    std::error_code ec;
    fs::create_directories(path, ec);
    if (mount("bpf", path.c_str(), "bpf", 0, nullptr) != 0) return osError(errno, "mounting bpffs at " + path);
    return success();
}

// The programs attached to ifindex that are a farm_filter (via libxdp's
// dispatcher or attached alone).
bool farmFilterAttached(int ifindex, std::string* mode) {
    xdp_multiprog* mp = xdp_multiprog__get_from_ifindex(ifindex);
    if (!mp || libxdp_get_error(mp)) return false;
    bool found = false;
    if (xdp_multiprog__is_legacy(mp)) {
        xdp_program* p = xdp_multiprog__main_prog(mp);
        found = p && std::strcmp(xdp_program__name(p), FARM_PROG_NAME) == 0;
    } else {
        for (xdp_program* p = xdp_multiprog__next_prog(nullptr, mp); p; p = xdp_multiprog__next_prog(p, mp))
            if (std::strcmp(xdp_program__name(p), FARM_PROG_NAME) == 0) found = true;
    }
    if (found && mode) *mode = modeName(xdp_multiprog__attach_mode(mp));
    xdp_multiprog__close(mp);
    return found;
}

Result<farm_filter*> openSkeleton(const std::string& pinRoot) {
    LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pinRoot.c_str());
    farm_filter* skel = farm_filter__open_opts(&opts);
    if (!skel) return osError(errno, "opening the farm_filter BPF object");
    // The object describes itself: refuse an object built from another header.
    if (skel->rodata->farm_abi_version != FARM_ABI_VERSION) {
        uint32_t v = skel->rodata->farm_abi_version;
        farm_filter__destroy(skel);
        return badInput("farm_filter object has ABI " + std::to_string(v) + ", this agent " +
                        std::to_string(FARM_ABI_VERSION));
    }
    return skel;
}

// A restart adopts the maps pinned by the attached program without loading
// the object again: loading means verifying it (~170 ms here), and a
// restarted agent has to renew its lease well within that (DESIGN §4).
// libbpf pins by name, so every map of the object is under pinRoot; the
// internal ones (.rodata, .bss) are not pinned and not needed.
Result<void> reusePinnedMaps(farm_filter* skel, const std::string& pinRoot) {
    bpf_map* map;
    bpf_object__for_each_map(map, skel->obj) {
        std::string name = bpf_map__name(map);
        if (name.find('.') != std::string::npos) continue;
        std::string path = pinRoot + "/" + name;
        int fd = bpf_obj_get(path.c_str());
        if (fd < 0) return osError(errno, "opening pinned map " + path);
        int err = bpf_map__reuse_fd(map, fd);
        close(fd);
        if (err) return osError(err, "adopting pinned map " + path);
    }
    return success();
}

// Pinned maps of another ABI would be misread: say so instead of adopting.
Result<void> checkPinnedAbi(const std::string& pinRoot) {
    std::string path = pinRoot + "/" FARM_MAP_STATE;
    if (access(path.c_str(), F_OK) != 0) return success();
    int fd = bpf_obj_get(path.c_str());
    if (fd < 0) return osError(errno, "opening pinned map " + path);
    bpf_map_info info{};
    uint32_t len = sizeof info;
    int err = bpf_obj_get_info_by_fd(fd, &info, &len);
    farm_state st{};
    uint32_t zero = 0;
    if (!err && info.value_size == sizeof st) err = bpf_map_lookup_elem(fd, &zero, &st);
    close(fd);
    if (err) return osError(errno, "reading pinned map " + path);
    if (info.value_size != sizeof st || (st.abi_version && st.abi_version != FARM_ABI_VERSION))
        return badInput("pinned maps in " + pinRoot + " are of ABI " + std::to_string(st.abi_version) +
                        ", this agent is ABI " + std::to_string(FARM_ABI_VERSION) +
                        ": remove them (safefarm-filter down) before starting");
    return success();
}

}  // namespace

Result<std::unique_ptr<BpfDataPath>> BpfDataPath::open(const BpfDataPathOptions& o) {
    if (o.instance.empty() || o.instance.find('/') != std::string::npos)
        return badInput("instance name '" + o.instance + "' must be non-empty and without '/'");
    int ifindex = static_cast<int>(if_nametoindex(o.ifname.c_str()));
    if (!ifindex) return osError(errno, "looking up interface " + o.ifname);
    if (auto r = ensureBpffs(o.bpffs); !r) return r.error();

    std::unique_ptr<BpfDataPath> dp(new BpfDataPath());
    dp->ifname_ = o.ifname;
    dp->pinDir_ = o.bpffs + "/safefarm/" + o.instance;

    // One writer per instance: a second agent would flip halves under us.
    std::error_code ec;
    fs::create_directories("/run/safefarm", ec);
    std::string lock = "/run/safefarm/" + o.instance + ".lock";
    dp->lockFd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (dp->lockFd_ < 0) return osError(errno, "opening lock " + lock);
    if (flock(dp->lockFd_, LOCK_EX | LOCK_NB) != 0)
        return osError(errno, "locking " + lock + " (another process drives instance " + o.instance + ")");

    fs::create_directories(dp->pinDir_, ec);
    if (ec) return osError(ec.value(), "creating pin folder " + dp->pinDir_);
    if (auto r = checkPinnedAbi(dp->pinDir_); !r) return r.error();

    auto skel = openSkeleton(dp->pinDir_);
    if (!skel) return skel.error();
    dp->skel_ = skel.value();

    std::string mode;
    if (farmFilterAttached(ifindex, &mode)) {
        // A restart: the attached program keeps filtering; take its pinned
        // maps without loading (verifying) the object again.
        if (auto r = reusePinnedMaps(dp->skel_, dp->pinDir_); !r) return r.error();
        dp->adopted_ = true;
        dp->attachMode_ = mode;
    } else if (o.adoptOnly) {
        return badInput("no farm_filter is attached to " + o.ifname);
    } else {
        std::vector<xdp_attach_mode> modes;
        if (o.mode != XdpMode::Skb) modes.push_back(XDP_MODE_NATIVE);
        if (o.mode != XdpMode::Native) modes.push_back(XDP_MODE_SKB);
        Error last;
        for (size_t i = 0; i < modes.size(); i++) {
            if (i > 0) {  // a failed attach may leave the object loaded: start afresh
                if (dp->prog_) xdp_program__close(dp->prog_);
                dp->prog_ = nullptr;
                farm_filter__destroy(dp->skel_);
                dp->skel_ = nullptr;
                auto again = openSkeleton(dp->pinDir_);
                if (!again) return again.error();
                dp->skel_ = again.value();
            }
            DECLARE_LIBXDP_OPTS(xdp_program_opts, xopts, .obj = dp->skel_->obj, .prog_name = FARM_PROG_NAME);
            dp->prog_ = xdp_program__create(&xopts);
            if (long err = libxdp_get_error(dp->prog_)) {
                dp->prog_ = nullptr;
                return osError(static_cast<int>(err), "creating the libxdp program");
            }
            int err = xdp_program__attach(dp->prog_, ifindex, modes[i], 0);
            if (!err) {
                dp->attachMode_ = modeName(modes[i]);
                last = Error{};
                break;
            }
            last = osError(err,
                           std::string("attaching farm_filter to ") + o.ifname + " (" + modeName(modes[i]) + " mode)");
        }
        if (last.code || !last.context.empty()) return last;
    }

    int stateFd = bpf_map__fd(dp->skel_->maps.farm_state);
    dp->stateLen_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    void* m = mmap(nullptr, dp->stateLen_, PROT_READ | PROT_WRITE, MAP_SHARED, stateFd, 0);
    if (m == MAP_FAILED) return osError(errno, "mmapping " FARM_MAP_STATE);
    dp->state_ = static_cast<farm_state*>(m);
    std::atomic_ref<__u32>(dp->state_->abi_version).store(FARM_ABI_VERSION);
    return dp;
}

BpfDataPath::~BpfDataPath() {
    if (state_) munmap(state_, stateLen_);
    // The program stays attached and the maps pinned: filtering outlives us.
    if (prog_) xdp_program__close(prog_);
    if (skel_) farm_filter__destroy(skel_);
    if (lockFd_ >= 0) close(lockFd_);
}

Result<void> BpfDataPath::remove(const BpfDataPathOptions& o) {
    int ifindex = static_cast<int>(if_nametoindex(o.ifname.c_str()));
    if (ifindex) {
        xdp_multiprog* mp = xdp_multiprog__get_from_ifindex(ifindex);
        if (mp && !libxdp_get_error(mp)) {
            enum xdp_attach_mode mode = xdp_multiprog__attach_mode(mp);
            int err = 0;
            if (xdp_multiprog__is_legacy(mp)) {
                xdp_program* p = xdp_multiprog__main_prog(mp);
                if (p && std::strcmp(xdp_program__name(p), FARM_PROG_NAME) == 0) err = xdp_multiprog__detach(mp);
            } else {
                for (xdp_program* p = xdp_multiprog__next_prog(nullptr, mp); p; p = xdp_multiprog__next_prog(p, mp)) {
                    if (std::strcmp(xdp_program__name(p), FARM_PROG_NAME) != 0) continue;
                    err = xdp_program__detach(p, ifindex, mode, 0);
                    break;
                }
            }
            xdp_multiprog__close(mp);
            if (err) return osError(err, "detaching farm_filter from " + o.ifname);
        }
    }
    std::string dir = o.bpffs + "/safefarm/" + o.instance;
    std::error_code ec;
    for (const char* name : {FARM_MAP_STATE, FARM_MAP_EPOCHS, FARM_MAP_BUCKETS, FARM_MAP_PEER_MACS, FARM_MAP_FLOWS,
                             FARM_MAP_COUNTERS, FARM_MAP_BUCKET_COUNTERS}) {
        std::string p = dir + "/" + name;
        if (unlink(p.c_str()) != 0 && errno != ENOENT) return osError(errno, "unpinning " + p);
    }
    if (rmdir(dir.c_str()) != 0 && errno != ENOENT) return osError(errno, "removing " + dir);
    unlink(("/run/safefarm/" + o.instance + ".lock").c_str());
    return success();
}

Result<void> BpfDataPath::install(const EpochSpec& spec) {
    auto encoded = encodeEpoch(spec);
    if (!encoded) return encoded.error();
    const farm_epoch& ep = encoded.value();

    uint32_t active = std::atomic_ref<__u32>(state_->active).load(std::memory_order_acquire) & 1;
    uint32_t next = active ^ 1;

    // Peers first: a relayed frame from a new peer must never be relayed again.
    int peersFd = bpf_map__fd(skel_->maps.farm_peer_macs);
    for (const FarmPeer& p : spec.peers) {
        // No MAC (vmac_invisible relays nothing): nothing to recognise.
        if (p.id == spec.myId || p.mac == Mac{}) continue;
        farm_mac_key k{};
        std::memcpy(k.mac, p.mac.data(), 6);
        uint32_t id = p.id;
        if (bpf_map_update_elem(peersFd, &k, &id, BPF_ANY))
            return osError(errno, "adding peer " + formatMac(p.mac) + " to " FARM_MAP_PEER_MACS);
    }

    // The inactive half: buckets, then the epoch that makes them valid.
    int bucketsFd = bpf_map__fd(skel_->maps.farm_buckets);
    std::vector<uint32_t> keys(FARM_BUCKETS);
    for (uint32_t b = 0; b < FARM_BUCKETS; b++) keys[b] = next * FARM_BUCKETS + b;
    uint32_t count = FARM_BUCKETS;
    LIBBPF_OPTS(bpf_map_batch_opts, bopts);
    if (bpf_map_update_batch(bucketsFd, keys.data(), spec.buckets.data(), &count, &bopts))
        return osError(errno, "writing the bucket table (half " + std::to_string(next) + ")");
    if (bpf_map_update_elem(bpf_map__fd(skel_->maps.farm_epochs), &next, &ep, BPF_ANY))
        return osError(errno, "writing epoch " + std::to_string(spec.epoch));

    // One store switches every later packet to the new epoch, whole.
    std::atomic_ref<__u32>(state_->active).store(next, std::memory_order_release);

    // Peers gone from the view: forget them now that no packet uses them.
    farm_mac_key key{}, nextKey{};
    std::vector<farm_mac_key> stale;
    void* prev = nullptr;
    while (bpf_map_get_next_key(peersFd, prev, &nextKey) == 0) {
        bool keep = false;
        for (const FarmPeer& p : spec.peers) keep |= std::memcmp(p.mac.data(), nextKey.mac, 6) == 0;
        if (!keep) stale.push_back(nextKey);
        key = nextKey;
        prev = &key;
    }
    for (const farm_mac_key& k : stale) bpf_map_delete_elem(peersFd, &k);
    return success();
}

Result<void> BpfDataPath::renewLease(std::chrono::nanoseconds deadline) {
    // The filter's clock may lag by a tick: end the lease that much early.
    int64_t ns = deadline.count() - static_cast<int64_t>(FARM_LEASE_SLACK_NS);
    std::atomic_ref<__u64>(state_->lease_deadline_ns)
        .store(ns > 0 ? static_cast<__u64>(ns) : 0, std::memory_order_release);
    return success();
}

std::chrono::nanoseconds BpfDataPath::leaseDeadline() const {
    uint64_t ns = std::atomic_ref<__u64>(state_->lease_deadline_ns).load(std::memory_order_acquire);
    return std::chrono::nanoseconds(ns ? ns + FARM_LEASE_SLACK_NS : 0);
}

Result<void> BpfDataPath::addForeignFlows(const std::vector<FlowEntry>& flows) {
    int fd = bpf_map__fd(skel_->maps.farm_flows);
    for (const FlowEntry& f : flows) {
        farm_flow v = f.flow;
        v.kind = FARM_FLOW_FOREIGN;
        if (bpf_map_update_elem(fd, &f.key, &v, BPF_ANY))
            return osError(errno, "recording a foreign flow in " FARM_MAP_FLOWS);
    }
    return success();
}

Result<ReasonCounters> BpfDataPath::counters() {
    int ncpu = libbpf_num_possible_cpus();
    if (ncpu <= 0) return osError(-ncpu, "counting possible CPUs");
    std::vector<farm_counter> per(static_cast<size_t>(ncpu));
    ReasonCounters sum{};
    int fd = bpf_map__fd(skel_->maps.farm_counters);
    for (uint32_t r = 0; r < FARM_R_MAX; r++) {
        if (bpf_map_lookup_elem(fd, &r, per.data())) return osError(errno, "reading " FARM_MAP_COUNTERS);
        for (const farm_counter& c : per) {
            sum[r].packets += c.packets;
            sum[r].bytes += c.bytes;
        }
    }
    return sum;
}

// One batched read (a few syscalls) rather than one lookup per bucket: the
// 16384 lookups took 100-170 ms on a loaded host, once a second on the
// thread that sends the heartbeats (issue 13). Per bucket as a fallback.
// The slow reads of the data path, on any thread (Module's traffic scans:
// docs/design.md "Threads").
//
// The flow table in batches of 4096 (one syscall each): the LRU map fills
// up on a busy node (131072 flows after 131072 connections, in minutes at
// 600 a second), and read one entry at a time (two syscalls each) it held
// the modules' thread 100 ms and more at every read, once a second for the
// heartbeats' traffic and every pulse of a drain: late pulses, leases
// running out, 666 view changes in the lab's 10-minute run at 10% loss.
// The bucket counters: one per-CPU value per bucket, 16384 x CPUs in one
// batch (1.6 ms on 2 CPUs here, so roughly 50 ms on 64).
namespace {

// A map through a descriptor of its own (a dup): the map lives as long as
// the reader, whatever happens to the data path meanwhile.
struct MapFd {
    MapFd(int of, const char* name) : fd(fcntl(of, F_DUPFD_CLOEXEC, 0)), dupError(fd < 0 ? errno : 0), name(name) {}
    ~MapFd() {
        if (fd >= 0) close(fd);
    }
    MapFd(const MapFd&) = delete;
    MapFd& operator=(const MapFd&) = delete;
    Result<int> get() const {
        if (fd < 0) return osError(dupError, std::string("a descriptor of ") + name);
        return fd;
    }
    int fd;
    int dupError;
    const char* name;
};

class BpfTrafficReader : public TrafficReader {
public:
    BpfTrafficReader(int flows, int buckets)
        : flows_(flows, FARM_MAP_FLOWS), buckets_(buckets, FARM_MAP_BUCKET_COUNTERS) {}

    Result<std::vector<FlowEntry>> flows() const override {
        auto fdr = flows_.get();
        if (!fdr) return fdr.error();
        int fd = fdr.value();
        std::vector<FlowEntry> out;
        constexpr uint32_t kBatch = 4096;
        std::vector<farm_flow_key> keys(kBatch);
        std::vector<farm_flow> values(kBatch);
        uint32_t token = 0;
        bool first = true;
        LIBBPF_OPTS(bpf_map_batch_opts, opts);
        for (;;) {
            uint32_t count = kBatch;
            int r =
                bpf_map_lookup_batch(fd, first ? nullptr : &token, &token, keys.data(), values.data(), &count, &opts);
            int err = r ? errno : 0;
            for (uint32_t i = 0; i < count && i < kBatch; i++) out.push_back(FlowEntry{keys[i], values[i]});
            if (r == 0) {
                first = false;
                continue;
            }
            if (err == ENOENT) return out;                                               // the whole table read
            if (first && (err == EINVAL || err == ENOTSUP || err == EOPNOTSUPP)) break;  // no batch ops
            return osError(err, "reading " FARM_MAP_FLOWS);
        }
        // A kernel without batch operations: one entry at a time.
        out.clear();
        farm_flow_key key{}, next{};
        void* prev = nullptr;
        while (bpf_map_get_next_key(fd, prev, &next) == 0) {
            FlowEntry e{next, {}};
            if (bpf_map_lookup_elem(fd, &next, &e.flow) == 0) out.push_back(e);
            key = next;
            prev = &key;
        }
        return out;
    }

    Result<std::vector<uint64_t>> bucketPackets() const override {
        auto fdr = buckets_.get();
        if (!fdr) return fdr.error();
        int fd = fdr.value();
        int ncpu = libbpf_num_possible_cpus();
        if (ncpu <= 0) return osError(-ncpu, "counting possible CPUs");
        std::vector<uint64_t> per(static_cast<size_t>(ncpu)), out(FARM_BUCKETS);
        {
            std::vector<uint32_t> keys(FARM_BUCKETS);
            std::vector<uint64_t> values(static_cast<size_t>(FARM_BUCKETS) * static_cast<size_t>(ncpu));
            uint32_t token = 0, count = FARM_BUCKETS;
            LIBBPF_OPTS(bpf_map_batch_opts, opts);
            int r = bpf_map_lookup_batch(fd, nullptr, &token, keys.data(), values.data(), &count, &opts);
            if ((r == 0 || errno == ENOENT) && count == FARM_BUCKETS) {
                for (uint32_t i = 0; i < count; i++)
                    for (int c = 0; c < ncpu; c++) out[keys[i]] += values[static_cast<size_t>(i) * ncpu + c];
                return out;
            }
            std::fill(out.begin(), out.end(), 0);
        }
        for (uint32_t b = 0; b < FARM_BUCKETS; b++) {
            if (bpf_map_lookup_elem(fd, &b, per.data())) return osError(errno, "reading " FARM_MAP_BUCKET_COUNTERS);
            for (uint64_t v : per) out[b] += v;
        }
        return out;
    }

private:
    MapFd flows_;
    MapFd buckets_;
};

}  // namespace

// A failed dup leaves a reader whose reads say why.
std::shared_ptr<const TrafficReader> BpfDataPath::trafficReader() {
    return std::make_shared<BpfTrafficReader>(bpf_map__fd(skel_->maps.farm_flows),
                                              bpf_map__fd(skel_->maps.farm_bkt_count));
}

uint64_t BpfDataPath::installedEpoch() const {
    uint32_t half = std::atomic_ref<__u32>(state_->active).load(std::memory_order_acquire) & 1;
    farm_epoch ep{};
    if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.farm_epochs), &half, &ep)) return 0;
    return ep.epoch;
}

Result<std::vector<farm_bucket>> BpfDataPath::installedBuckets() const {
    if (installedEpoch() == 0) return std::vector<farm_bucket>{};
    uint32_t half = std::atomic_ref<__u32>(state_->active).load(std::memory_order_acquire) & 1;
    int fd = bpf_map__fd(skel_->maps.farm_buckets);
    std::vector<farm_bucket> out(FARM_BUCKETS);
    // One lookup per bucket (about 10 ms): only a restarted agent asks.
    for (uint32_t b = 0; b < FARM_BUCKETS; b++) {
        uint32_t key = half * FARM_BUCKETS + b;
        if (bpf_map_lookup_elem(fd, &key, &out[b]))
            return osError(errno, "reading the bucket table in force (half " + std::to_string(half) + ")");
    }
    return out;
}

}  // namespace safefarm
