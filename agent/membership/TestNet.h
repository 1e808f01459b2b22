// Membership tests' network: every node steps every 1 ms, datagrams arrive
// 1 ms after they leave unless a node is down or a directed link is cut
// (heartbeat-only faults: the node runs, its datagrams are lost), from their
// sender's address (the `source` UdpTransport passes).
// checkOwners() is the clients' view: at this instant no bucket is served
// by two nodes, each node serving its installed view's table while its
// lease (Membership::leaseUntil) runs.
#pragma once

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "membership/Membership.h"
#include "membership/Ownership.h"

namespace safefarm::membership {

// The ids of a view's members, in order.
inline std::vector<uint8_t> ids(const View& v) {
    std::vector<uint8_t> out;
    for (const auto& m : v.members) out.push_back(m.id);
    return out;
}

class Net {
public:
    explicit Net(std::vector<uint8_t> ids, uint8_t lans = 2, QuorumPolicy quorum = QuorumPolicy::Majority,
                 Nanos pulse = std::chrono::milliseconds(100), uint32_t slostCount = 3) {
        for (uint8_t id : ids) {
            MembershipConfig c;
            c.self = id;
            c.nodes = ids;
            c.lans = lans;
            c.ready = true;
            c.pulse = pulse;
            c.slostCount = slostCount;
            c.ackTimeoutPulses = 2;  // these tests' own, not <farm mlost_count>'s 5
            c.quorum = quorum;
            nodes.emplace(id, Membership(c, mac(), now));
        }
    }
    static Hmac mac() { return Hmac::create(std::vector<uint8_t>(32, 7)).value(); }

    // Steps 1 ms at a time; with `check`, checkOwners() after every step
    // (the first violation is kept in `violation`).
    void run(Nanos d, bool check = false) {
        Nanos end = now + d;
        while (now < end) {
            now += std::chrono::milliseconds(1);
            for (auto& [id, m] : nodes) {
                if (down.count(id)) continue;
                if (now >= m.nextWakeup()) m.tick(now);
                for (auto& dg : m.takeDatagrams()) {
                    captured.push_back(dg);
                    if (loss > 0 && std::uniform_real_distribution<double>(0, 1)(rng) < loss) continue;
                    if (!cut.count({id, dg.to})) inflight.push_back(InFlight{id, dg});
                }
                for (auto& v : m.takeCommitted()) installs[id].push_back(v);
            }
            if (check) checkOwners();
            for (auto& [id, m] : nodes)
                if (!down.count(id) && m.installed().contains(id) && m.leaseUntil(now) <= now) leaseOut[id]++;
            auto batch = std::exchange(inflight, {});
            for (auto& [from, dg] : batch) {
                if (down.count(dg.to) || !nodes.count(dg.to)) continue;
                nodes.at(dg.to).receive(dg.lan, dg.bytes, now, from);
            }
            if (check) checkOwners();
        }
    }
    Membership& at(uint8_t id) { return nodes.at(id); }

    // Starts `id` again now as its next incarnation (as Persist bumps it),
    // up, with `key` (another key: a misconfigured node).
    Membership& restart(uint8_t id, Hmac key = mac()) {
        MembershipConfig c = at(id).config();
        c.incarnation++;
        nodes.erase(id);
        down.erase(id);
        return nodes.emplace(id, Membership(c, std::move(key), now)).first->second;
    }

    // Cuts (or heals) every link into and out of `id`.
    void isolate(uint8_t id, bool on = true) {
        for (const auto& [other, m] : nodes) {
            if (other == id) continue;
            for (auto link : {std::pair{id, other}, std::pair{other, id}})
                on ? (void)cut.insert(link) : (void)cut.erase(link);
        }
    }
    bool serving(uint8_t id) {
        if (down.count(id)) return false;  // a crashed agent's lease is the guard's: not modelled here
        return at(id).leaseUntil(now) > now;
    }
    // What each node's data path takes: its installed view's table, a
    // bucket coming from a live member held until that member holds the
    // view (holdUntilReleased, as the module builds it), while its lease runs.
    void checkOwners() {
        bool changed = false;
        for (auto& [id, m] : nodes) {
            if (down.count(id)) continue;
            const View& v = m.installed();
            DataPath& dp = dataPaths_[id];
            if (dp.view == v.id && dp.held == 0 && !(dp.view.empty() && !v.id.empty())) {
            } else {
                auto next = table(m, v);
                // A first view, or one installed after the lease ran out: as the module.
                if (dp.served.empty() || (dp.view != v.id && !m.leaseHeldAtInstall()))
                    dp.served = othersBuckets(v, id, m.quorate(v));
                dp.held =
                    holdUntilReleased(next, dp.served, v, id, [&](uint8_t p) { return m.peerInstalled(p) == v.id; });
                changed |= !std::equal(next.begin(), next.end(), dp.served.begin(),
                                       [](const farm_bucket& a, const farm_bucket& b) { return a.owner == b.owner; });
                dp.served = std::move(next);
                dp.view = v.id;
            }
            bool on = serving(id);
            changed |= on && !dp.on;
            dp.on = on;
        }
        if (!changed || !violation.empty()) return;
        std::vector<uint8_t> owner(FARM_BUCKETS, FARM_NODE_NONE);
        for (auto& [id, dp] : dataPaths_) {
            if (!dp.on || down.count(id)) continue;
            for (size_t b = 0; b < dp.served.size(); b++) {
                if (dp.served[b].owner != id) continue;
                if (owner[b] != FARM_NODE_NONE && violation.empty())
                    violation = "t=" + std::to_string(now.count() / 1000000) + "ms: bucket " + std::to_string(b) +
                                " served by " + std::to_string(owner[b]) + " and " + std::to_string(id) + " (" +
                                at(owner[b]).installed().describe() + " / " + at(id).installed().describe() + ")";
                owner[b] = id;
            }
        }
    }

    Nanos now{std::chrono::milliseconds(1000)};
    std::map<uint8_t, Membership> nodes;
    std::set<uint8_t> down;
    std::set<std::pair<uint8_t, uint8_t>> cut;  // (from, to)
    struct InFlight {
        uint8_t from = 0;
        Datagram datagram;
    };
    std::vector<InFlight> inflight;
    std::vector<Datagram> captured;
    std::map<uint8_t, std::vector<View>> installs;
    std::string violation;
    double loss = 0;  // every datagram lost with this probability
    std::mt19937_64 rng{7};
    std::map<uint8_t, uint64_t> leaseOut;  // ms a member of its installed view had no lease

private:
    std::vector<farm_bucket> table(const Membership& m, const View& v) {
        auto key = std::pair{v.id, m.quorate(v)};
        auto it = tables_.find(key);
        if (it == tables_.end()) it = tables_.emplace(key, bucketsOf(v, key.second)).first;
        return it->second;
    }
    std::map<std::pair<ViewId, bool>, std::vector<farm_bucket>> tables_;
    struct DataPath {
        ViewId view;
        std::vector<farm_bucket> served;
        uint32_t held = 0;
        bool on = false;
    };
    std::map<uint8_t, DataPath> dataPaths_;
};

}  // namespace safefarm::membership
