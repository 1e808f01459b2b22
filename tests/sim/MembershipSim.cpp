// membership_sim: the deterministic simulator of the membership protocol
// (DESIGN §4). Each seed draws a farm (1..6 nodes, 1..2 lans, slost_count,
// quorum policy) and a schedule: a chaotic phase with loss, delay,
// reordering, duplication, symmetric and one-way partitions, crashes,
// restarts with new incarnations, simultaneous starts, local changes (ready,
// weight, witness, stop, drained, start) and an adversary injecting forged,
// truncated, wrong-key and replayed datagrams; then a stable network (final
// symmetric partition, no loss, delays <= 10 ms). Virtual clock, one event
// queue, one PRNG: a seed replays exactly.
//
// Checked after every step:
//  - nodes that committed the same epoch (view id) hold identical views;
//  - within one committed view no bucket has two owners (each bucket is owned
//    by exactly one Ready, weighted member, or by nobody);
//  - a forged or replayed datagram never changes state (fingerprint), sends
//    nothing and commits nothing, and is counted;
//  - from (stable + the largest chaotic delay) + slost_count*pulse + 3 pulses
//    on, every connected live node has installed the same view, whose members
//    are exactly the connected live nodes with their current incarnations,
//    states and weights.
//
//   membership_sim --seeds N [--first S]     run seeds S..S+N-1
//   membership_sim --seed S --verbose        replay one seed, print its events
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cstdarg>
#include <algorithm>
#include <map>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "membership/Membership.h"
#include "membership/Ownership.h"

using namespace safefarm;
using namespace safefarm::membership;
using std::chrono::milliseconds;

namespace {

class Rng {  // splitmix64: the same sequence on every platform
public:
    explicit Rng(uint64_t seed) : s_(seed * 0x9e3779b97f4a7c15ULL + 1) {}
    uint64_t next() {
        uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    uint64_t below(uint64_t n) { return n ? next() % n : 0; }
    bool chance(double p) { return (next() >> 11) * (1.0 / 9007199254740992.0) < p; }
    int64_t range(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo + 1))); }

private:
    uint64_t s_;
};

// Owner checks are a pure function of the members: cached across schedules.
class BucketCheckCache {
public:
    bool ok(const View& v, std::string& why) {
        // The table depends on the owning members only (Ready, weight > 0):
        // ownership of anyone else is a bug the check below still catches.
        std::string key;
        for (const auto& m : owningMembers(v)) key += std::to_string(m.id) + ":" + std::to_string(m.weight) + ",";
        auto it = cache_.find(key);
        if (it != cache_.end()) return it->second;
        auto owners = owningMembers(v);
        auto table = bucketsOf(v, true);
        bool good = table.size() == FARM_BUCKETS;
        for (const auto& b : table) {
            bool isOwner = false;
            for (const auto& o : owners) isOwner |= o.id == b.owner;
            if (owners.empty() ? b.owner != FARM_NODE_NONE : !isOwner) good = false;
        }
        if (!good) why = "bucket owned by a non-owning member in " + v.describe();
        cache_[key] = good;
        return good;
    }

private:
    std::map<std::string, bool> cache_;
};

struct Captured {
    uint8_t lan;
    std::vector<uint8_t> bytes;
};

struct SimNode {
    uint8_t id = 0;
    std::optional<Membership> m;
    uint32_t incarnation = 0;  // "on disk"
    uint64_t life = 0;         // bumps on crash and restart: stale events are ignored
    Nanos wakeAt{-1};
    bool ready = true;
    uint32_t weight = 1;
    std::vector<Captured> captured;  // datagrams delivered in this life (for replays)
};

enum class Ev { Deliver, Wake, Chaos, Check };

struct Event {
    Nanos t;
    uint64_t order;
    Ev kind;
    int node = 0;
    uint64_t life = 0;
    uint8_t lan = 0;
    std::vector<uint8_t> bytes;
    bool operator>(const Event& o) const { return t != o.t ? t > o.t : order > o.order; }
};

class Schedule {
public:
    Schedule(uint64_t seed, bool verbose, BucketCheckCache& cache) : seed_(seed), rng_(seed), verbose_(verbose), cache_(cache) {}

    // Returns "" on success, else the first violation.
    std::string run() {
        const int n = static_cast<int>(rng_.range(1, 6));
        cfg_.lans = static_cast<uint8_t>(rng_.range(1, 2));
        cfg_.pulse = milliseconds(100);
        cfg_.slostCount = static_cast<uint32_t>(rng_.range(3, 5));
        cfg_.mlostCount = static_cast<uint32_t>(rng_.range(2, 3));
        cfg_.quorum = rng_.chance(0.5) ? QuorumPolicy::Majority : QuorumPolicy::None;
        for (int i = 0; i < n; i++) cfg_.nodes.push_back(static_cast<uint8_t>(rng_.chance(0.3) ? rng_.range(0, 254) : i));
        std::sort(cfg_.nodes.begin(), cfg_.nodes.end());
        cfg_.nodes.erase(std::unique(cfg_.nodes.begin(), cfg_.nodes.end()), cfg_.nodes.end());
        nodes_.resize(cfg_.nodes.size());
        for (size_t i = 0; i < nodes_.size(); i++) {
            nodes_[i].id = cfg_.nodes[i];
            nodes_[i].incarnation = static_cast<uint32_t>(rng_.range(0, 3));
            nodes_[i].ready = rng_.chance(0.8);
            nodes_[i].weight = static_cast<uint32_t>(rng_.range(0, 3));
        }
        const size_t N = nodes_.size();
        blocked_.assign(cfg_.lans, std::vector<std::vector<bool>>(N, std::vector<bool>(N, false)));

        const int chaosPulses = static_cast<int>(rng_.range(0, 40));
        stableAt_ = cfg_.pulse * chaosPulses;
        loss_ = std::vector<double>{0, 0.02, 0.1, 0.3, 0.6}[rng_.below(5)];
        dup_ = std::vector<double>{0, 0.05, 0.2}[rng_.below(3)];
        chaosMaxDelay_ = milliseconds(std::vector<int>{1, 10, 50, 250}[rng_.below(4)]);
        stableMaxDelay_ = milliseconds(10);
        log("seed %llu: %zu nodes, %d lans, slost %u, quorum %s, chaos %d pulses, loss %.2f, dup %.2f, delay<=%lldms",
            (unsigned long long)seed_, N, cfg_.lans, cfg_.slostCount, cfg_.quorum == QuorumPolicy::Majority ? "majority" : "none",
            chaosPulses, loss_, dup_, (long long)(chaosMaxDelay_.count() / 1000000));

        // Starts: simultaneous, or spread over two pulses.
        bool simultaneous = rng_.chance(0.4);
        for (size_t i = 0; i < N; i++) {
            Nanos at = simultaneous ? Nanos{0} : Nanos{static_cast<int64_t>(rng_.below(200'000'000))};
            if (chaosPulses > 0 && rng_.chance(0.1)) at = Nanos{static_cast<int64_t>(rng_.below(static_cast<uint64_t>(stableAt_.count())))};
            push(Event{at, 0, Ev::Chaos, static_cast<int>(i), 0, 100, {}});  // 100: start
        }
        int chaosEvents = chaosPulses == 0 ? 0 : static_cast<int>(rng_.range(0, chaosPulses));
        for (int k = 0; k < chaosEvents; k++) {
            Nanos at{static_cast<int64_t>(rng_.below(static_cast<uint64_t>(stableAt_.count())))};
            push(Event{at, 0, Ev::Chaos, static_cast<int>(rng_.below(N)), 0, static_cast<uint8_t>(rng_.below(12)), {}});
        }
        int attacks = static_cast<int>(rng_.range(0, 6));
        Nanos horizon = stableAt_ + chaosMaxDelay_ + cfg_.pulse * (cfg_.slostCount + 3 + 5);
        for (int k = 0; k < attacks; k++) {
            Nanos at{static_cast<int64_t>(rng_.below(static_cast<uint64_t>(horizon.count())))};
            push(Event{at, 0, Ev::Chaos, static_cast<int>(rng_.below(N)), 0, 50, {}});  // 50: attack
        }
        // The network becomes stable: one symmetric partition for every lan (or none).
        push(Event{stableAt_, 0, Ev::Chaos, 0, 0, 200, {}});
        convergeBy_ = stableAt_ + chaosMaxDelay_ + cfg_.pulse * (cfg_.slostCount + 3);
        for (Nanos t = convergeBy_; t <= horizon; t += cfg_.pulse / 2) push(Event{t, 0, Ev::Check, 0, 0, 0, {}});

        while (!queue_.empty()) {
            Event e = queue_.top();
            queue_.pop();
            if (e.t > horizon) break;
            now_ = e.t;
            handle(e);
            if (!failure_.empty()) return failure_;
        }
        return failure_;
    }

private:
    void log(const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
        if (!verbose_) return;
        std::printf("%9.3f ", now_.count() / 1e6);
        va_list ap;
        va_start(ap, fmt);
        std::vprintf(fmt, ap);
        va_end(ap);
        std::printf("\n");
    }
    void fail(std::string why) {
        if (failure_.empty()) failure_ = "t=" + std::to_string(now_.count() / 1000000) + "ms: " + why;
    }
    void push(Event e) {
        e.order = order_++;
        queue_.push(std::move(e));
    }
    bool stable() const { return now_ >= stableAt_; }
    int index(uint8_t id) const {
        for (size_t i = 0; i < nodes_.size(); i++)
            if (nodes_[i].id == id) return static_cast<int>(i);
        return -1;
    }

    void startNode(int i) {
        SimNode& s = nodes_[i];
        if (s.m) return;
        s.incarnation++;
        s.life++;
        s.captured.clear();
        MembershipConfig c = cfg_;
        c.self = s.id;
        c.incarnation = s.incarnation;
        c.weight = s.weight;
        c.ready = s.ready;
        std::vector<uint8_t> key(32, 0x42);
        s.m.emplace(c, Hmac::create(key).value(), now_);
        s.wakeAt = Nanos{-1};
        log("n%d starts, incarnation %u", s.id, s.incarnation);
        afterStep(i);
    }

    void afterStep(int i) {
        SimNode& s = nodes_[i];
        if (!s.m) return;
        for (auto& v : s.m->takeCommitted()) {
            log("n%d installs %s", s.id, v.describe().c_str());
            auto [it, fresh] = views_.emplace(v.id, v);
            if (!fresh && !(it->second == v))
                fail("two views under one epoch: " + it->second.describe() + " vs " + v.describe());
            std::string why;
            if (!cache_.ok(v, why)) fail(why);
        }
        for (auto& d : s.m->takeDatagrams()) route(i, d);
        Nanos w = s.m->nextWakeup();
        if (w <= now_) w = now_ + Nanos{1};
        if (s.wakeAt <= now_ || w < s.wakeAt) {
            s.wakeAt = w;
            push(Event{w, 0, Ev::Wake, i, s.life, 0, {}});
        }
    }

    void route(int from, Datagram& d) {
        int to = index(d.to);
        if (to < 0) return;
        if (blocked_[d.lan][from][to]) return;
        if (!stable() && rng_.chance(loss_)) return;
        int copies = rng_.chance(dup_) ? 2 : 1;
        for (int c = 0; c < copies; c++) {
            Nanos maxDelay = stable() ? stableMaxDelay_ : chaosMaxDelay_;
            Nanos delay{static_cast<int64_t>(rng_.below(static_cast<uint64_t>(maxDelay.count()))) + 100'000};
            push(Event{now_ + delay, 0, Ev::Deliver, to, nodes_[to].life, d.lan, d.bytes});
        }
    }

    void handle(Event& e) {
        switch (e.kind) {
            case Ev::Deliver: {
                SimNode& s = nodes_[e.node];
                if (!s.m || e.life != s.life) return;  // crashed since: the datagram is lost
                s.m->receive(e.lan, e.bytes, now_);
                if (s.captured.size() < 64) s.captured.push_back(Captured{e.lan, e.bytes});
                afterStep(e.node);
                return;
            }
            case Ev::Wake: {
                SimNode& s = nodes_[e.node];
                if (!s.m || e.life != s.life || e.t != s.wakeAt) return;
                s.m->tick(now_);
                afterStep(e.node);
                return;
            }
            case Ev::Check: checkConverged(); return;
            case Ev::Chaos: chaos(e); return;
        }
    }

    void chaos(Event& e) {
        const size_t N = nodes_.size();
        SimNode& s = nodes_[e.node];
        int i = e.node;
        switch (e.lan) {
            case 100: startNode(i); return;
            case 50: attack(i); return;
            case 200: {  // stable from now on
                std::vector<int> group(N, 0);
                if (rng_.chance(0.3))
                    for (size_t k = 0; k < N; k++) group[k] = static_cast<int>(rng_.below(2));
                group_ = group;
                int deadLan = cfg_.lans > 1 && rng_.chance(0.2) ? static_cast<int>(rng_.below(cfg_.lans)) : -1;
                for (int l = 0; l < cfg_.lans; l++)
                    for (size_t a = 0; a < N; a++)
                        for (size_t b = 0; b < N; b++) blocked_[l][a][b] = l == deadLan || group[a] != group[b];
                log("stable: groups, dead lan %d", deadLan);
                return;
            }
            default: break;
        }
        if (stable()) return;
        switch (e.lan) {
            case 0:
            case 1:
                if (s.m) {
                    log("n%d crashes", s.id);
                    s.m.reset();
                    s.life++;
                } else {
                    startNode(i);
                }
                return;
            case 2: {  // a symmetric partition on one lan (or all)
                int lan = static_cast<int>(rng_.below(cfg_.lans + 1u));
                std::vector<int> g(N);
                for (auto& x : g) x = static_cast<int>(rng_.below(2));
                for (int l = 0; l < cfg_.lans; l++) {
                    if (lan < cfg_.lans && l != lan) continue;
                    for (size_t a = 0; a < N; a++)
                        for (size_t b = 0; b < N; b++) blocked_[l][a][b] = g[a] != g[b];
                }
                log("partition lan %d", lan);
                return;
            }
            case 3: {  // one-way
                size_t a = rng_.below(N), b = rng_.below(N);
                for (int l = 0; l < cfg_.lans; l++) blocked_[l][a][b] = true;
                log("one-way cut n%d -> n%d", nodes_[a].id, nodes_[b].id);
                return;
            }
            case 4:
                for (auto& l : blocked_)
                    for (auto& r : l) std::fill(r.begin(), r.end(), false);
                log("heal");
                return;
            case 5:
                s.ready = !s.ready;
                if (s.m) s.m->setReady(s.ready, now_);
                log("n%d ready=%d", s.id, s.ready);
                break;
            case 6:
                s.weight = static_cast<uint32_t>(rng_.range(0, 3));
                if (s.m) s.m->setWeight(s.weight, now_);
                log("n%d weight=%u", s.id, s.weight);
                break;
            case 7:
                if (s.m) s.m->stop(now_);
                log("n%d stop", s.id);
                break;
            case 8:
                if (s.m) s.m->drained(now_);
                log("n%d drained", s.id);
                break;
            case 9:
                if (s.m) s.m->start(now_);
                log("n%d start", s.id);
                break;
            case 10:
                if (s.m) s.m->setWitness(rng_.chance(0.5), now_);
                break;
            default:  // a restart: crash and start again at once
                if (s.m) {
                    log("n%d restarts", s.id);
                    s.m.reset();
                    s.life++;
                }
                startNode(i);
                return;
        }
        afterStep(i);
    }

    void attack(int i) {
        SimNode& s = nodes_[i];
        if (!s.m) return;
        uint64_t before = s.m->fingerprint();
        uint64_t droppedBefore = s.m->counters().dropped();
        std::vector<uint8_t> bytes;
        uint8_t lan = static_cast<uint8_t>(rng_.below(cfg_.lans));
        int kind = static_cast<int>(rng_.below(5));
        if (s.captured.empty()) kind = 0;
        const Captured* c = s.captured.empty() ? nullptr : &s.captured[rng_.below(s.captured.size())];
        switch (kind) {
            case 0:  // random bytes
                bytes.resize(rng_.below(120));
                for (auto& b : bytes) b = static_cast<uint8_t>(rng_.next());
                break;
            case 1:  // exact replay, on any lan
                bytes = c->bytes;
                break;
            case 2:  // one flipped bit
                bytes = c->bytes;
                bytes[rng_.below(bytes.size())] ^= static_cast<uint8_t>(1u << rng_.below(8));
                break;
            case 3:  // truncated
                bytes = c->bytes;
                bytes.resize(rng_.below(bytes.size()));
                break;
            default: {  // a well-formed message under the wrong key, fresh seq
                Message m;
                m.header = Header{MessageType::Commit, nodes_[rng_.below(nodes_.size())].id, 0, 99, 1u << 30};
                View v;
                v.id = ViewId{1u << 20, m.header.sender, 99};
                v.members.push_back(ViewMember{s.id, nodes_[i].incarnation, 1, MemberState::Ready});
                m.body = v;
                bytes = encode(m, Hmac::create(std::vector<uint8_t>(32, 0x66)).value());
            }
        }
        s.m->receive(lan, bytes, now_);
        log("n%d attacked (kind %d)", s.id, kind);
        if (s.m->fingerprint() != before) fail("a forged/replayed datagram changed state (kind " + std::to_string(kind) + ")");
        if (s.m->counters().dropped() != droppedBefore + 1) fail("a forged/replayed datagram was not counted");
        if (!s.m->takeDatagrams().empty() || !s.m->takeCommitted().empty()) fail("a forged/replayed datagram had an effect");
    }

    void checkConverged() {
        std::map<int, std::vector<int>> groups;
        for (size_t k = 0; k < nodes_.size(); k++) {
            const SimNode& s = nodes_[k];
            if (!s.m || s.m->announcedState() == MemberState::Stopped) continue;
            groups[group_.empty() ? 0 : group_[k]].push_back(static_cast<int>(k));
        }
        for (const auto& [g, members] : groups) {
            std::vector<ViewMember> expect;
            for (int k : members) {
                const SimNode& s = nodes_[k];
                expect.push_back(ViewMember{s.id, s.incarnation, s.m->config().weight, s.m->announcedState()});
            }
            const View& first = nodes_[members[0]].m->installed();
            for (int k : members) {
                const View& v = nodes_[k].m->installed();
                if (!(v.id == first.id) || v.members != expect) {
                    std::string want;
                    for (const auto& m : expect) want += std::to_string(m.id) + "/" + std::to_string(m.incarnation) + ":" + stateName(m.state) + " w" + std::to_string(m.weight) + " ";
                    fail("not converged by stable+slost*pulse+3 pulses: n" + std::to_string(nodes_[k].id) + " holds " +
                         v.describe() + ", n" + std::to_string(nodes_[members[0]].id) + " holds " + first.describe() +
                         "; expected members " + want);
                    return;
                }
            }
        }
    }

    uint64_t seed_;
    Rng rng_;
    bool verbose_;
    BucketCheckCache& cache_;
    MembershipConfig cfg_;
    std::vector<SimNode> nodes_;
    std::vector<std::vector<std::vector<bool>>> blocked_;  // [lan][from][to]
    std::vector<int> group_;
    double loss_ = 0, dup_ = 0;
    Nanos chaosMaxDelay_{0}, stableMaxDelay_{0}, stableAt_{0}, convergeBy_{0}, now_{0};
    std::priority_queue<Event, std::vector<Event>, std::greater<Event>> queue_;
    uint64_t order_ = 0;
    std::map<ViewId, View> views_;
    std::string failure_;
};

}  // namespace

int main(int argc, char** argv) {
    uint64_t first = 1, count = 1000;
    bool verbose = false, single = false;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--seeds" && i + 1 < argc) count = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--first" && i + 1 < argc) first = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--seed" && i + 1 < argc) {
            first = std::strtoull(argv[++i], nullptr, 10);
            count = 1;
            single = true;
        } else if (a == "--verbose") verbose = true;
        else {
            std::fprintf(stderr, "usage: %s [--seeds N] [--first S] | --seed S [--verbose]\n", argv[0]);
            return 2;
        }
    }
    BucketCheckCache cache;
    auto t0 = std::chrono::steady_clock::now();
    uint64_t failures = 0;
    for (uint64_t seed = first; seed < first + count; seed++) {
        Schedule s(seed, verbose, cache);
        std::string why = s.run();
        if (!why.empty()) {
            failures++;
            std::printf("FAIL seed %llu: %s\n  replay: %s --seed %llu --verbose\n", (unsigned long long)seed, why.c_str(),
                        argv[0], (unsigned long long)seed);
            if (failures >= 5) break;
        }
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%s: %llu schedules from seed %llu, %llu failed, %.1f s\n", failures ? "FAILED" : "ok",
                (unsigned long long)count, (unsigned long long)first, (unsigned long long)failures, secs);
    (void)single;
    return failures ? 1 : 0;
}
