// Module's read side: its status as plain data, and who serves a client.
#include "module/Module.h"

#include "module/EpochBuilder.h"

#include "farm_hash.h"

#include <netinet/in.h>

namespace safefarm::module {

namespace {

// Without a view (the module stopped here) this node cannot know the
// others' state: UNKNOWN, not STOP.
std::string othersState(const std::optional<membership::View>& view, uint8_t id) {
    if (!view) return "UNKNOWN";
    const auto* m = view->find(id);
    if (!m) return "STOP";
    return m->state == membership::MemberState::Ready      ? "UP"
           : m->state == membership::MemberState::Draining ? "DRAINING"
                                                           : "WAIT";
}

}  // namespace

ModuleSnapshot Module::snapshot() const {
    ModuleSnapshot s{paths_.name, state_, activity_, reason_, plan_.self};
    const auto& view = epochs_.view();
    if (view) {
        s.epoch = view->id.seq;
        s.view = view->describe();
    }
    const auto& table = epochs_.table();
    s.tableBuckets = table.size();
    auto peers = membership_ ? membership_->peerTraffic() : std::map<uint8_t, membership::Membership::Traffic>{};
    for (const auto& n : plan_.nodes) {
        bool self = n.id == plan_.self;
        NodeSnapshot row{
            n.id, n.name, self ? stateName(state_) : othersState(view, n.id), bucketsOwned(table, n.id), {}};
        // Another node's traffic as its last heartbeat said; a node not in
        // the view has none to show.
        if (self)
            row.traffic = localTraffic();
        else if (auto it = peers.find(n.id); it != peers.end() && view && view->find(n.id))
            row.traffic = it->second;
        s.nodes.push_back(std::move(row));
    }
    if (auto* dp = resources_.dataPath())
        if (auto c = dp->counters())
            for (int r = 0; r < FARM_R_MAX; r++)
                if (c.value()[r].packets) s.verdicts[reasonName(r)] = c.value()[r].packets;
    s.viewChanges = epochs_.viewChanges();
    if (membership_) {
        for (const auto& p : membership_->refusedPeers()) {
            const auto* n = plan_.node(p.id);
            RefusedPeerSnapshot row{p, n ? n->name : "", std::nullopt};
            if (n && !n->lanAddrs.empty()) row.address = n->lanAddrs.front();
            s.refusedPeers.push_back(std::move(row));
        }
        s.blockedByMisconfiguredPeers = membership_->blockedByMisconfiguredPeers();
    }
    s.scripts = app_.scriptCounts();
    s.checkers = app_.checkerCounts();
    return s;
}

Result<nlohmann::json> Module::whoServes(const IpAddr& client, std::optional<uint16_t> port) const {
    const auto& table = epochs_.table();
    if (table.size() != FARM_BUCKETS) return badInput(paths_.name + " holds no bucket table (not started)");
    __u64 k[2] = {epochs_.hashKey()[0], epochs_.hashKey()[1]};
    uint32_t bucket =
        farm_bucket_of(k, client.words.data(), client.family == AF_INET6, port ? *port : 0, port.has_value());
    const auto& b = table[bucket];
    nlohmann::json j = {{"client", formatIp(client)}, {"bucket", bucket}, {"owner", b.owner}};
    if (const auto* n = plan_.node(b.owner)) j["node"] = n->name;
    if (b.flags & FARM_BUCKET_TRANSITION) j["draining_from"] = b.prev_owner;
    return j;
}

}  // namespace safefarm::module
