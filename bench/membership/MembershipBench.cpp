// membership_bench: figures of the membership protocol and of bucket
// ownership, as JSON on stdout (README "Membership, measured").
//  - failover: simulated farms of 4, 16, 64 and 255 nodes (255: node ids are
//    one byte, 0..254, bpf/farm_abi.h), 2 lans, <farm>'s defaults from the
//    defaults table (config::defaultFarmTiming(): pulse 50 ms, slost_count 4,
//    mlost_count 5; README's figures were taken with the struct's own 100 ms
//    and 5 before it had none), a lossless network with 0.1..0.5 ms latency. Time from the
//    crash of a node (the coordinator, then another) to the moment every
//    survivor has installed the view without it; and heartbeat + protocol
//    bytes per second sent by one node in a steady farm (UDP payload).
//  - buckets: over several views per size (ids 0..n-1, then random ids and
//    weights), the worst share error relative to the weight share, and the
//    worst buckets moved by a removal or by a join beyond the removed/joined
//    share, as a fraction of the table (DESIGN §2 asks for <= 1% up to 64
//    nodes); compute time of one table.
// Virtual clock: the results do not depend on this machine's speed; the
// wall-clock cost of the simulation is reported for information.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <queue>

#include "buckets/BucketTable.h"
#include "config/FarmDefaults.h"
#include "membership/Membership.h"

using namespace safefarm;
using namespace safefarm::membership;
using std::chrono::milliseconds;
using json = nlohmann::json;

namespace {

struct Farm {
    struct Msg {
        Nanos t;
        uint64_t order;
        uint8_t to, lan;
        std::vector<uint8_t> bytes;
        bool operator>(const Msg& o) const { return t != o.t ? t > o.t : order > o.order; }
    };
    std::map<uint8_t, std::optional<Membership>> nodes;
    std::priority_queue<Msg, std::vector<Msg>, std::greater<Msg>> wire;
    Nanos now{0};
    uint64_t order = 0, rng = 12345;
    std::map<uint8_t, uint64_t> bytesSent;

    explicit Farm(int n) {
        std::vector<uint8_t> ids;
        for (int i = 0; i < n; i++) ids.push_back(static_cast<uint8_t>(i));
        const auto timing = config::defaultFarmTiming();
        for (uint8_t id : ids) {
            MembershipConfig c;
            c.self = id;
            c.nodes = ids;
            c.lans = 2;
            c.ready = true;
            c.pulse = timing.pulse;
            c.slostCount = timing.slostCount;
            c.ackTimeoutPulses = timing.mlostCount;
            nodes[id].emplace(c, Hmac::create(std::vector<uint8_t>(32, 1)).value(), now);
        }
    }
    Nanos latency() {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        return Nanos{100'000 + static_cast<int64_t>((rng >> 33) % 400'000)};
    }
    void flush(uint8_t id) {
        auto& m = *nodes[id];
        for (auto& d : m.takeDatagrams()) {
            bytesSent[id] += d.bytes.size();
            wire.push(Msg{now + latency(), order++, d.to, d.lan, std::move(d.bytes)});
        }
        m.takeCommitted();
    }
    // Advance to `until`, ticking nodes at their wakeups (1 ms resolution).
    void run(Nanos until, const std::function<bool()>& done = nullptr) {
        while (now < until) {
            Nanos next = now + milliseconds(1);
            while (!wire.empty() && wire.top().t <= next) {
                Msg msg = wire.top();
                wire.pop();
                now = std::max(now, msg.t);
                auto& slot = nodes[msg.to];
                if (!slot) continue;
                slot->receive(msg.lan, msg.bytes, now);
                flush(msg.to);
            }
            now = next;
            for (auto& [id, slot] : nodes) {
                if (!slot || slot->nextWakeup() > now) continue;
                slot->tick(now);
                flush(id);
            }
            if (done && done()) return;
        }
    }
    bool allInstalledWithout(int gone, size_t expect) {
        for (auto& [id, slot] : nodes) {
            if (!slot) continue;
            const View& v = slot->installed();
            if (v.contains(static_cast<uint8_t>(gone)) || v.members.size() != expect) return false;
        }
        return true;
    }
};

json failover(int n) {
    auto wall = std::chrono::steady_clock::now();
    Farm farm(n);
    farm.run(milliseconds(2000), [&] { return farm.allInstalledWithout(-1, size_t(n)); });
    farm.run(farm.now + milliseconds(500));
    // Steady state: bytes per second per node over 2 s.
    farm.bytesSent.clear();
    Nanos from = farm.now;
    farm.run(farm.now + milliseconds(2000));
    double secs = std::chrono::duration<double>(farm.now - from).count();
    double bytes = 0;
    for (auto& [id, b] : farm.bytesSent) bytes += double(b);
    json out{{"nodes", n}, {"bytes_per_s_per_node", bytes / secs / n}};
    json crashes = json::array();
    size_t members = size_t(n);
    for (int victim : {0, n / 2}) {
        if (n < 2) break;
        farm.nodes[static_cast<uint8_t>(victim)].reset();
        Nanos crash = farm.now;
        members--;
        farm.run(farm.now + milliseconds(5000), [&] { return farm.allInstalledWithout(victim, members); });
        crashes.push_back(
            {{"victim", victim == 0 ? "coordinator" : "member"},
             {"crash_to_commit_ms", std::chrono::duration<double, std::milli>(farm.now - crash).count()}});
        farm.run(farm.now + milliseconds(300));
    }
    out["failover"] = crashes;
    out["detection_bound_ms"] = 100 * 5;
    out["sim_wall_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count();
    return out;
}

// Views of n members: view 0 is ids 0..n-1 with weights 1 or 1,2,3,4,1,...
// (the README rows); the others draw ids and weights 1..4 from a fixed
// generator. Each member is removed in turn (16 spread members past 64), and
// 8 new ids join each view (weight 1 in equal views, 1..4 otherwise); the
// worst of these, over all views, is reported. Compute time: median of 5 runs
// on view 0.
json buckets(int n, bool weighted) {
    const int views = n <= 64 ? 5 : 2;
    uint64_t rng = 0x5eed0000ULL + uint64_t(n) * 2 + (weighted ? 1 : 0);
    auto next = [&] {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        return rng >> 33;
    };
    auto count = [](const std::vector<farm_bucket>& t) {
        std::map<int, int> c;
        for (const auto& b : t) c[b.owner]++;
        return c;
    };
    auto moved = [](const std::vector<farm_bucket>& a, const std::vector<farm_bucket>& b) {
        int m = 0;
        for (size_t i = 0; i < a.size(); i++) m += a[i].owner != b[i].owner;
        return m;
    };
    double worstShare = 0, worstRemoval = 0, worstJoin = 0, sumRemoval = 0;
    int removals = 0, joins = 0;
    std::vector<BucketMember> first;
    for (int v = 0; v < views; v++) {
        std::vector<uint8_t> ids;
        for (int i = 0; i < 255; i++) ids.push_back(static_cast<uint8_t>(i));
        std::vector<BucketMember> mem;
        for (int i = 0; i < n; i++) {
            if (v > 0) std::swap(ids[size_t(i)], ids[size_t(i) + next() % (255 - size_t(i))]);
            uint32_t w = !weighted ? 1u : v == 0 ? uint32_t(1 + i % 4) : uint32_t(1 + next() % 4);
            mem.push_back({ids[size_t(i)], w});
        }
        if (v == 0) first = mem;
        double total = 0;
        for (const auto& m : mem) total += m.weight;
        auto table = computeBuckets(mem);
        auto c = count(table);
        for (const auto& m : mem) {
            double expect = FARM_BUCKETS * m.weight / total;
            worstShare = std::max(worstShare, std::abs(c[m.id] - expect) / expect);
        }
        int samples = n <= 64 ? n : 16;
        for (int k = 0; k < samples && n > 1; k++) {
            size_t r = size_t(k) * size_t(n) / size_t(samples);
            auto fewer = mem;
            fewer.erase(fewer.begin() + long(r));
            double extra = double(moved(table, computeBuckets(fewer)) - c[mem[r].id]) / FARM_BUCKETS;
            worstRemoval = std::max(worstRemoval, extra);
            sumRemoval += extra;
            removals++;
        }
        for (int k = 0; k < 8 && n + k < 255; k++) {
            auto more = mem;
            more.push_back({ids[size_t(n + k)], weighted ? uint32_t(1 + next() % 4) : 1u});
            auto after = computeBuckets(more);
            double extra = double(moved(table, after) - count(after)[more.back().id]) / FARM_BUCKETS;
            worstJoin = std::max(worstJoin, extra);
            joins++;
        }
    }
    std::vector<double> times;
    for (int k = 0; k < 5; k++) {
        auto wall = std::chrono::steady_clock::now();
        auto table = computeBuckets(first);
        times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall).count());
    }
    std::sort(times.begin(), times.end());
    return {{"nodes", n},
            {"weights", weighted ? "1..4" : "equal"},
            {"views", views},
            {"worst_share_error_relative", worstShare},
            {"removals", removals},
            {"removal_moved_beyond_share_worst", worstRemoval},
            {"removal_moved_beyond_share_mean", removals ? sumRemoval / removals : 0.0},
            {"joins", joins},
            {"join_moved_beyond_share_worst", worstJoin},
            {"compute_ms", times[times.size() / 2]}};
}

}  // namespace

int main() {
    json out;
    out["table_size"] = FARM_BUCKETS;
    out["membership"] = json::array();
    for (int n : {4, 16, 64, 255}) out["membership"].push_back(failover(n));
    out["buckets"] = json::array();
    for (int n : {2, 4, 16, 32, 64, 128, 255})
        for (bool w : {false, true}) out["buckets"].push_back(buckets(n, w));
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
}
