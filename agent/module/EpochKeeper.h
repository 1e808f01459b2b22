// The view in force on this node and the bucket table installed from it
// (DESIGN §2, §3): every committed view installs a new epoch in the data
// path, moving buckets drain for joinDrain while their old owner lives, a
// bucket gained from a member that has not installed the view yet is held
// until it has (docs/design.md "Handoffs"), and in vmac_directed the peers'
// MACs go in as their heartbeats bring them.
#pragma once

#include <array>
#include <chrono>
#include <map>
#include <optional>
#include <vector>

#include "dataplane/DataPath.h"
#include "membership/View.h"
#include "module/FarmPlan.h"
#include "module/Logger.h"
#include "module/MembershipPort.h"

namespace safefarm::module {

class EpochKeeper {
public:
    EpochKeeper(const FarmPlan& plan, std::array<uint64_t, 2> hashKey, std::chrono::nanoseconds joinDrain,
                const Logger& log);

    // A data path was acquired: epochs go on from the one it holds, with no
    // view and no table yet.
    void begin(DataPath& dataPath, const Mac& myMac);
    // A start: the first epoch owns nothing, until a view says otherwise.
    Result<void> fence(std::chrono::nanoseconds now);
    // A resume within the lease carries on from the table in force.
    void adopt(std::vector<farm_bucket> table);
    // Released: nothing installed any more.
    void end();
    // safed exits: the data path is closed, the table stays as it was.
    void detach() { dataPath_ = nullptr; }

    // A committed view, installed. `stale`: the lease ran out before it, the
    // others may serve any bucket of the table held: take them as a joining
    // node does.
    void onView(const membership::View& view, bool quorate, bool stale, const MembershipPort& membership,
                std::chrono::nanoseconds now);
    // The buckets held for a member are taken once every member holds the
    // view.
    void onMembershipEvent(const MembershipPort& membership, std::chrono::nanoseconds now);
    // vmac_directed: the MACs the peers' heartbeats carry.
    void refreshPeerMacs(const MembershipPort& membership, std::chrono::nanoseconds now);
    // A join's transitions are over (not while stopping: a drain waits for
    // its flows, not for joinDrain).
    void pulse(std::chrono::nanoseconds now, bool stopping, const MembershipPort* membership);

    const std::optional<membership::View>& view() const { return view_; }
    bool quorate() const { return quorate_; }
    const std::vector<farm_bucket>& table() const { return table_; }  // as installed
    uint64_t viewChanges() const { return viewChanges_; }
    const std::array<uint64_t, 2>& hashKey() const { return hashKey_; }
    // This node in the view in force (nullptr: not in it, or no view).
    const membership::ViewMember* me() const;

private:
    void install(bool drain, const MembershipPort* membership, std::chrono::nanoseconds now, bool keepTable = false);
    std::vector<farm_bucket> previousOfFirstView() const;

    const FarmPlan& plan_;
    std::array<uint64_t, 2> hashKey_;
    std::chrono::nanoseconds joinDrain_;
    const Logger& log_;

    DataPath* dataPath_ = nullptr;
    Mac myMac_{};
    std::map<uint8_t, Mac> peerMacs_;  // vmac_directed: as installed in the data path
    std::optional<membership::View> view_;
    bool quorate_ = true;
    std::vector<farm_bucket> table_;  // as installed
    bool tableFromView_ = false;      // table_ is a view's (not the start's, nor a stale one)
    uint64_t epoch_ = 0;
    std::optional<std::chrono::nanoseconds> drainUntil_;  // a join's transitions end then
    uint32_t heldBuckets_ = 0;                            // gained from a member that has not installed the view yet
    uint64_t viewChanges_ = 0;                            // since safed started, for /metrics
};

}  // namespace safefarm::module
