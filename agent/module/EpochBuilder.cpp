#include "module/EpochBuilder.h"

namespace safefarm::module {

std::vector<farm_bucket> viewBuckets(const FarmPlan& plan, const membership::View& view, bool quorate) {
    return membership::bucketsOf(view, quorate, plan.hosts);
}

EpochSpec buildEpoch(const EpochInputs& in) {
    const FarmPlan& plan = *in.plan;
    EpochSpec s;
    s.epoch = in.epoch;
    s.mode = plan.mode;
    s.myId = plan.self;
    s.vmac = plan.vmac;
    s.myMac = in.myMac;
    s.hashKey = in.hashKey;
    s.vips = plan.vips;
    s.rules = plan.rules;
    s.arpFilter = plan.arpFilter;
    auto table = viewBuckets(plan, in.view, in.quorate);
    // Members still in the view (draining or not ready) keep serving the
    // flows they hold; only owners that left the view lose theirs at once.
    std::vector<uint8_t> live;
    for (const auto& m : in.view.members) live.push_back(m.id);
    if (in.keepTable && in.previous.size() == table.size())
        s.buckets = in.previous;
    else
        s.buckets = in.drain && !in.previous.empty() ? transitionBuckets(in.previous, table, live) : table;
    if (!in.keepTable) membership::holdUntilReleased(s.buckets, in.previous, in.view, plan.self, in.holdsView);
    // The designated node answers what has no flow to hash (fragments without
    // ports, ARP in vmac_invisible): the lowest member that owns buckets.
    s.designated = FARM_NODE_NONE;
    for (const auto& b : table)
        if (b.owner != FARM_NODE_NONE && (s.designated == FARM_NODE_NONE || b.owner < s.designated))
            s.designated = b.owner;
    // Every node of the farm is a peer (a bucket may name one that is not in
    // the view any more while it drains). vmac_invisible relays nothing: only
    // this node's MAC matters there.
    for (const auto& n : plan.nodes) {
        Mac mac{};
        if (n.id == plan.self)
            mac = in.myMac;
        else if (auto it = in.peerMacs.find(n.id); it != in.peerMacs.end() && plan.mode == FARM_MODE_VMAC_DIRECTED)
            mac = it->second;
        s.peers.push_back(FarmPeer{n.id, mac});
    }
    return s;
}

uint32_t bucketsHeld(const EpochInputs& in, const std::vector<farm_bucket>& table) {
    if (!in.holdsView || in.previous.size() != table.size()) return 0;
    auto want = viewBuckets(*in.plan, in.view, in.quorate);  // what the view gives
    uint32_t n = 0;
    for (size_t b = 0; b < table.size(); b++) n += want[b].owner == in.plan->self && table[b].owner != in.plan->self;
    return n;
}

uint32_t bucketsOwned(const std::vector<farm_bucket>& table, uint8_t id) {
    uint32_t n = 0;
    for (const auto& b : table) n += b.owner == id;
    return n;
}

uint32_t bucketsInTransition(const std::vector<farm_bucket>& table) {
    uint32_t n = 0;
    for (const auto& b : table) n += (b.flags & FARM_BUCKET_TRANSITION) != 0;
    return n;
}

}  // namespace safefarm::module
