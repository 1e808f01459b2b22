#include "module/EpochKeeper.h"

#include "module/EpochBuilder.h"

namespace safefarm::module {

using control::MessageId;
using std::chrono::nanoseconds;

EpochKeeper::EpochKeeper(const FarmPlan& plan, std::array<uint64_t, 2> hashKey, nanoseconds joinDrain,
                         const Logger& log)
    : plan_(plan), hashKey_(hashKey), joinDrain_(joinDrain), log_(log) {}

void EpochKeeper::begin(DataPath& dataPath, const Mac& myMac) {
    dataPath_ = &dataPath;
    myMac_ = myMac;
    epoch_ = dataPath.installedEpoch();
    table_.clear();
    tableFromView_ = false;
    view_.reset();
}

Result<void> EpochKeeper::fence(nanoseconds now) {
    install(false, nullptr, now);
    if (dataPath_->installedEpoch() == 0) return badInput("the data path refused the first epoch");
    return success();
}

void EpochKeeper::adopt(std::vector<farm_bucket> table) {
    table_ = std::move(table);
    tableFromView_ = true;
}

void EpochKeeper::end() {
    dataPath_ = nullptr;
    view_.reset();
    table_.clear();
    peerMacs_.clear();
}

const membership::ViewMember* EpochKeeper::me() const { return view_ ? view_->find(plan_.self) : nullptr; }

void EpochKeeper::onView(const membership::View& view, bool quorate, bool stale, const MembershipPort& membership,
                         nanoseconds now) {
    view_ = view;
    quorate_ = quorate;
    viewChanges_++;
    if (stale) tableFromView_ = false;
    log_.info(MessageId::SF_VIEW_COMMITTED, "view " + view.describe() + (quorate ? "" : " (no quorum)"));
    install(true, &membership, now);
}

// After every datagram or tick of the membership (docs/design.md "Handoffs").
void EpochKeeper::onMembershipEvent(const MembershipPort& membership, nanoseconds now) {
    if (!heldBuckets_ || !view_) return;
    for (const auto& m : view_->members)
        if (m.id != plan_.self && !membership.peerHolds(m.id, view_->id)) return;
    install(true, &membership, now);
}

// vmac_directed: an entry node relays to a bucket's owner at the MAC the
// owner's heartbeats carry. A MAC heard for the first time (or changed: a
// new NIC) goes into the data path at once, with the table as it is.
void EpochKeeper::refreshPeerMacs(const MembershipPort& membership, nanoseconds now) {
    auto macs = membership.peerMacs();
    if (macs == peerMacs_ || !dataPath_) return;
    for (const auto& [id, mac] : macs) {
        auto it = peerMacs_.find(id);
        if (it == peerMacs_.end() || it->second != mac) {
            const auto* n = plan_.node(id);
            log_.info(MessageId::SF_PEER_MAC,
                      (n ? n->name : "node " + std::to_string(id)) + " is at " + formatMac(mac));
        }
    }
    peerMacs_ = std::move(macs);
    install(false, &membership, now, true);
}

void EpochKeeper::pulse(nanoseconds now, bool stopping, const MembershipPort* membership) {
    if (!drainUntil_ || now < *drainUntil_ || stopping) return;
    drainUntil_.reset();
    install(false, membership, now);
    log_.info(MessageId::SF_DRAIN, "transitions over");
}

// This node's first view (a start, or a resume after its lease ran out):
// what the others hold is the view without this node. The first view may
// already have it ready (the coordinator's own join, a resume), and its
// buckets must still come in transition: taken outright, it answered the
// others' connections in them with resets.
// After a lapse of the lease (table_ not empty): the buckets the view gives
// this node come from the others as for a joiner (they may have served
// them), the ones it moves away still leave from this node, which keeps the
// flows it holds in them (a draining node whose lease lapsed for a moment
// lost them, and the others reset them at its leave).
std::vector<farm_bucket> EpochKeeper::previousOfFirstView() const {
    auto others = membership::othersBuckets(*view_, plan_.self, quorate_, plan_.hosts);
    if (table_.size() == others.size()) {
        auto want = viewBuckets(plan_, *view_, quorate_);
        for (size_t b = 0; b < others.size(); b++)
            if (want[b].owner != plan_.self) others[b] = table_[b];
    }
    return others;
}

// Installs the epoch of the current view (none: owning nothing). While a
// bucket's old owner lives it drains for joinDrain; pulse() installs the
// plain table once that is over.
void EpochKeeper::install(bool drain, const MembershipPort* membership, nanoseconds now, bool keepTable) {
    EpochInputs in;
    in.plan = &plan_;
    if (view_) in.view = *view_;
    in.quorate = quorate_;
    in.myMac = myMac_;
    in.peerMacs = peerMacs_;
    in.hashKey = hashKey_;
    bool firstView = !keepTable && !tableFromView_ && view_ && view_->contains(plan_.self);
    in.previous = firstView ? previousOfFirstView() : table_;
    in.drain = drain;
    in.keepTable = keepTable;
    if (view_ && membership) {
        membership::ViewId id = view_->id;
        in.holdsView = [membership, id](uint8_t peer) { return membership->peerHolds(peer, id); };
    }
    in.epoch = ++epoch_;
    EpochSpec spec = buildEpoch(in);
    if (auto r = dataPath_->install(spec); !r) {
        log_.error(MessageId::SF_DATAPATH,
                   "installing epoch " + std::to_string(spec.epoch) + ": " + r.error().message());
        return;
    }
    table_ = spec.buckets;
    if (view_) tableFromView_ = true;
    if (keepTable) return;
    uint32_t held = bucketsHeld(in, table_);
    if (held && !heldBuckets_)
        log_.info(MessageId::SF_DRAIN,
                  std::to_string(held) + " buckets wait until their owner installs view " + view_->describe());
    heldBuckets_ = held;
    uint32_t moving = bucketsInTransition(table_);
    drainUntil_.reset();
    if (moving) {
        drainUntil_ = now + joinDrain_;
        log_.info(MessageId::SF_DRAIN, std::to_string(moving) + " buckets drain to their new owners");
    }
}

}  // namespace safefarm::module
