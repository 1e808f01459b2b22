#include "BpfTestProgram.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <time.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "farm_abi.h"

#include "farm_filter.skel.h"

namespace safefarm::test {

struct BpfTestProgram::Skel {
    farm_filter* obj = nullptr;
    ~Skel() {
        if (obj) farm_filter__destroy(obj);
    }
};

namespace {

// libbpf's warnings, minus the one about the libxdp run config section
// (read by libxdp, not libbpf) that every open of the object prints.
int quietPrint(enum libbpf_print_level level, const char* fmt, va_list args) {
    if (level == LIBBPF_DEBUG || std::strstr(fmt, "skipping unrecognized data section")) return 0;
    return std::vfprintf(stderr, fmt, args);
}

Error mapError(int err, const std::string& what) { return osError(err ? err : errno, what); }

}  // namespace

BpfTestProgram::BpfTestProgram() : skel_(std::make_unique<Skel>()) {
    libbpf_set_print(quietPrint);
    skel_->obj = farm_filter__open();
    if (!skel_->obj) {
        error_ = std::string("opening the farm_filter skeleton: ") + std::strerror(errno);
        return;
    }
    // Private maps: nothing under /sys/fs/bpf is read or written.
    bpf_map* map;
    bpf_object__for_each_map(map, skel_->obj->obj) {
        if (bpf_map__set_pin_path(map, nullptr)) {
            error_ = std::string("unpinning map ") + bpf_map__name(map);
            return;
        }
    }
    int err = farm_filter__load(skel_->obj);
    if (err) {
        error_ = std::string("loading farm_filter: ") + std::strerror(-err);
        return;
    }
    possibleCpus_ = libbpf_num_possible_cpus();
    if (possibleCpus_ < 1) possibleCpus_ = 1;
}

BpfTestProgram::~BpfTestProgram() = default;

int BpfTestProgram::progFd() const { return bpf_program__fd(skel_->obj->progs.farm_filter); }

Result<void> BpfTestProgram::writeState(const farm_state& state) {
    uint32_t zero = 0;
    if (bpf_map_update_elem(bpf_map__fd(skel_->obj->maps.farm_state), &zero, &state, BPF_ANY))
        return mapError(0, "writing farm_state");
    return success();
}

Result<farm_state> BpfTestProgram::readState() {
    uint32_t zero = 0;
    farm_state st{};
    if (bpf_map_lookup_elem(bpf_map__fd(skel_->obj->maps.farm_state), &zero, &st))
        return mapError(0, "reading farm_state");
    return st;
}

Result<void> BpfTestProgram::setActive(uint32_t half) {
    auto st = readState();
    if (!st) return st.error();
    st.value().active = half;
    return writeState(st.value());
}

uint64_t BpfTestProgram::monotonicNowNs() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

Result<void> BpfTestProgram::setLeaseFromNow(int64_t deltaNs) {
    auto st = readState();
    if (!st) return st.error();
    st.value().lease_deadline_ns = static_cast<uint64_t>(static_cast<int64_t>(monotonicNowNs()) + deltaNs);
    st.value().abi_version = FARM_ABI_VERSION;
    return writeState(st.value());
}

Result<void> BpfTestProgram::writeEpoch(uint32_t half, const farm_epoch& epoch) {
    if (bpf_map_update_elem(bpf_map__fd(skel_->obj->maps.farm_epochs), &half, &epoch, BPF_ANY))
        return mapError(0, "writing farm_epochs[" + std::to_string(half) + "]");
    return success();
}

Result<void> BpfTestProgram::installEpoch(uint32_t half, const EpochSpec& spec) {
    auto ep = encodeEpoch(spec);
    if (!ep) return ep.error();
    if (auto r = writeEpoch(half, ep.value()); !r) return r;
    std::vector<uint32_t> keys(FARM_BUCKETS);
    for (uint32_t i = 0; i < FARM_BUCKETS; i++) keys[i] = half * FARM_BUCKETS + i;
    uint32_t count = FARM_BUCKETS;
    int fd = bpf_map__fd(skel_->obj->maps.farm_buckets);
    if (bpf_map_update_batch(fd, keys.data(), spec.buckets.data(), &count, nullptr) == 0 && count == FARM_BUCKETS)
        return success();
    for (uint32_t i = 0; i < FARM_BUCKETS; i++)  // kernels without batch ops on arrays
        if (bpf_map_update_elem(fd, &keys[i], &spec.buckets[i], BPF_ANY)) return mapError(0, "writing farm_buckets");
    return success();
}

Result<void> BpfTestProgram::writeBucket(uint32_t half, uint32_t bucket, const farm_bucket& b) {
    uint32_t key = half * FARM_BUCKETS + bucket;
    if (bpf_map_update_elem(bpf_map__fd(skel_->obj->maps.farm_buckets), &key, &b, BPF_ANY))
        return mapError(0, "writing bucket " + std::to_string(bucket));
    return success();
}

Result<farm_bucket> BpfTestProgram::readBucket(uint32_t half, uint32_t bucket) {
    uint32_t key = half * FARM_BUCKETS + bucket;
    farm_bucket b{};
    if (bpf_map_lookup_elem(bpf_map__fd(skel_->obj->maps.farm_buckets), &key, &b))
        return mapError(0, "reading bucket " + std::to_string(bucket));
    return b;
}

Result<void> BpfTestProgram::addPeerMac(const Mac& m) {
    farm_mac_key key{};
    std::memcpy(key.mac, m.data(), 6);
    uint32_t one = 1;
    if (bpf_map_update_elem(bpf_map__fd(skel_->obj->maps.farm_peer_macs), &key, &one, BPF_ANY))
        return mapError(0, "adding a peer MAC");
    return success();
}

Result<void> BpfTestProgram::writeFlow(const farm_flow_key& key, const farm_flow& flow) {
    if (bpf_map_update_elem(bpf_map__fd(skel_->obj->maps.farm_flows), &key, &flow, BPF_ANY))
        return mapError(0, "writing a flow");
    return success();
}

std::optional<farm_flow> BpfTestProgram::readFlow(const farm_flow_key& key) {
    farm_flow f{};
    if (bpf_map_lookup_elem(bpf_map__fd(skel_->obj->maps.farm_flows), &key, &f)) return std::nullopt;
    return f;
}

size_t BpfTestProgram::flowCount() {
    int fd = bpf_map__fd(skel_->obj->maps.farm_flows);
    farm_flow_key key{}, next{};
    size_t n = 0;
    const void* prev = nullptr;
    while (bpf_map_get_next_key(fd, prev, &next) == 0) {
        n++;
        key = next;
        prev = &key;
    }
    return n;
}

Result<Counters> BpfTestProgram::counters() {
    Counters sum{};
    std::vector<farm_counter> per(possibleCpus_);
    int fd = bpf_map__fd(skel_->obj->maps.farm_counters);
    for (uint32_t r = 0; r < FARM_R_MAX; r++) {
        if (bpf_map_lookup_elem(fd, &r, per.data())) return mapError(0, "reading farm_counters");
        for (const farm_counter& c : per) {
            sum[r].packets += c.packets;
            sum[r].bytes += c.bytes;
        }
    }
    return sum;
}

Result<uint64_t> BpfTestProgram::bucketPackets(uint32_t bucket) {
    std::vector<uint64_t> per(possibleCpus_);
    if (bpf_map_lookup_elem(bpf_map__fd(skel_->obj->maps.farm_bkt_count), &bucket, per.data()))
        return mapError(0, "reading farm_bkt_count");
    uint64_t n = 0;
    for (uint64_t v : per) n += v;
    return n;
}

RunResult BpfTestProgram::run(const std::vector<uint8_t>& frame, int repeat) {
    RunResult r;
    r.out.resize(4096);
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = r.out.data(),
                .data_size_in = static_cast<__u32>(frame.size()), .data_size_out = static_cast<__u32>(r.out.size()),
                .repeat = repeat);
    int err = bpf_prog_test_run_opts(progFd(), &opts);
    if (err) {
        r.error = err < 0 ? err : -errno;
        r.out.clear();
        return r;
    }
    r.action = opts.retval;
    r.out.resize(opts.data_size_out);
    r.durationNs = opts.duration;
    return r;
}

}  // namespace safefarm::test
