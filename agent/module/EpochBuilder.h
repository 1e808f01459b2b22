// The data path's epoch for a committed view: the bucket table of the view
// (a pure function of it, DESIGN §2) plus the module's fixed plan. During a
// planned change (a member joins, drains or changes weight while the old
// owner lives) moving buckets are marked in transition so the old owner
// keeps its flows (DESIGN §3); a crashed owner's buckets move at once.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "dataplane/EpochSpec.h"
#include "membership/View.h"
#include "module/FarmPlan.h"

namespace safefarm::module {

struct EpochInputs {
    const FarmPlan* plan = nullptr;
    membership::View view;
    bool quorate = true;
    Mac myMac{};
    // The peers' MACs as their heartbeats said (vmac_directed relays to
    // them; a peer not in it gets no relay: FARM_R_DROP_NO_PEER).
    std::map<uint8_t, Mac> peerMacs;
    std::array<uint64_t, 2> hashKey{};
    // The table the data path holds now (empty before the first epoch), and
    // whether moving buckets drain (false: the drain period is over).
    std::vector<farm_bucket> previous;
    bool drain = true;
    // The same table again, with new peers' MACs: transitions go on as
    // they are (the view did not change).
    bool keepTable = false;
    // Does this member hold exactly the view (it said so in a heartbeat)?
    // Until every member does, a bucket this node gains is held: the data
    // path keeps it as it was, so no two nodes take new flows in it
    // (docs/design.md "Handoffs"). Empty: every member holds it.
    std::function<bool(uint8_t)> holdsView;
    uint64_t epoch = 0;  // > the installed one
};

// The view's owners: its Ready members (with the group's power, if any).
std::vector<farm_bucket> viewBuckets(const FarmPlan& plan, const membership::View& view, bool quorate);

EpochSpec buildEpoch(const EpochInputs& in);
// Buckets `table` holds back (as in `previous`) for a member that has not
// installed the view yet.
uint32_t bucketsHeld(const EpochInputs& in, const std::vector<farm_bucket>& table);

// How many buckets `id` owns in `table`.
uint32_t bucketsOwned(const std::vector<farm_bucket>& table, uint8_t id);
// Buckets still in transition.
uint32_t bucketsInTransition(const std::vector<farm_bucket>& table);

}  // namespace safefarm::module
