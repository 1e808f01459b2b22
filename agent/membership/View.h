// The agreed view (DESIGN §4): what the membership protocol commits and what
// bucket ownership is computed from.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

namespace safefarm::membership {

// A member's state as it announces it. Only Ready members own buckets;
// NotReady (the module is in WAIT, or the witness is unreachable) and
// Draining (stopping gracefully, flows not gone yet) stay in the view owning
// nothing. Stopped is announced by a node that has left: it is never a view
// member. Values are on the wire: never renumber.
enum class MemberState : uint8_t { NotReady = 1, Ready = 2, Draining = 3, Stopped = 4 };

const char* stateName(MemberState s);
bool validState(uint8_t v);

// A view's identity. `seq` grows across the farm (a coordinator proposes one
// more than any seq it has seen); coordinator and its incarnation make the id
// unique even when two partitions, or a restarted coordinator, pick the same
// seq. Ordered by (seq, coordinator, incarnation).
struct ViewId {
    uint64_t seq = 0;
    uint8_t coordinator = 0;
    uint32_t coordinatorIncarnation = 0;

    auto key() const { return std::tie(seq, coordinator, coordinatorIncarnation); }
    bool operator==(const ViewId& o) const { return key() == o.key(); }
    bool operator<(const ViewId& o) const { return key() < o.key(); }
    bool operator>(const ViewId& o) const { return o < *this; }
    bool operator<=(const ViewId& o) const { return !(o < *this); }
    bool empty() const { return seq == 0; }
    // The data path's 64-bit epoch: grows with seq within a farm.
    uint64_t dataPathEpoch() const { return (seq << 8) | coordinator; }
};

struct ViewMember {
    uint8_t id = 0;
    uint32_t incarnation = 0;
    uint32_t weight = 1;
    MemberState state = MemberState::NotReady;

    auto key() const { return std::tie(id, incarnation, weight, state); }
    bool operator==(const ViewMember& o) const { return key() == o.key(); }
};

struct View {
    ViewId id;
    std::vector<ViewMember> members;  // sorted by id, ids unique, each < 255

    bool operator==(const View& o) const { return id == o.id && members == o.members; }
    const ViewMember* find(uint8_t id) const;
    bool contains(uint8_t id) const { return find(id) != nullptr; }
    std::string describe() const;  // "epoch 7@0.1 [0:r w1, 2:d w1]" for logs
};

}  // namespace safefarm::membership
