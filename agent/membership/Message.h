// The membership wire format (DESIGN §4). Every datagram:
//
//   off size
//    0   2  magic 0x5346 ("SF")
//    2   1  version (kWireVersion)
//    3   1  type (MessageType)
//    4   1  sender node id (0..254)
//    5   1  lan index the sender sent it on
//    6   2  body length
//    8   4  sender incarnation (persisted, bumped at every start)
//   12   8  sender sequence number (one counter per incarnation, all lans)
//   20   1  destination node id
//   21   4  destination incarnation, as the sender last learnt it (0: not yet)
//   25   n  body
//   25+n 32 HMAC-SHA256 under the cluster key of bytes [0, 25+n)
//
// The destination binds a datagram to one life of its receiver: a datagram
// recorded before the receiver restarted names its previous incarnation and
// is refused (docs/design.md "Replays").
// Big-endian. Bodies: Heartbeat 56 + 3 per peer it heard; Ack 27; Propose and Commit
// 14 + 10 per member (a 255-member view is 2,564 bytes, under any lan MTU
// with IP fragmentation, and 64 members fit in one 1500-byte frame).
// decode() checks everything before it trusts anything: total length,
// magic, version, the exact body length for the type, then the MAC, then
// every field (states, sorted unique ids < 255).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "buckets/BucketTable.h"
#include "common/Hmac.h"
#include "common/NetAddr.h"
#include "membership/View.h"

namespace safefarm::membership {

constexpr uint16_t kWireMagic = 0x5346;
// 2: the sender's traffic; 3: its data interface's MAC; 4: the echo (leases
// confirmed by the peers, docs/design.md "Leases"); 5: the destination in
// the header, the bucket algorithm in the heartbeat (docs/design.md
// "Replays", "Misconfigured peers").
constexpr uint8_t kWireVersion = 5;
constexpr size_t kHeaderSize = 25;
constexpr size_t kMaxDatagram = kHeaderSize + 14 + 10 * 255 + Hmac::kTagSize;

enum class MessageType : uint8_t { Heartbeat = 1, Propose = 2, Ack = 3, Commit = 4 };

struct Header {
    MessageType type = MessageType::Heartbeat;
    uint8_t sender = 0;
    uint8_t lan = 0;
    uint32_t incarnation = 0;
    uint64_t seq = 0;
    uint8_t to = 0;              // the destination node
    uint32_t toIncarnation = 0;  // its incarnation as the sender knows it; 0: not known
};

// The sender's agent is restarting (SIGTERM, an upgrade): it leaves its
// data path serving under a lease of up to MembershipConfig::restartHold, and
// its peers hold its buckets that long instead of slost_count pulses.
constexpr uint8_t kHeartbeatRestarting = 0x1;
// The sender's lease nears its end (docs/design.md "Leases"): the receiver
// answers at once with a heartbeat to it (its echo), not at its next pulse.
constexpr uint8_t kHeartbeatEchoRequest = 0x2;

struct Heartbeat {
    MemberState state = MemberState::NotReady;
    uint8_t flags = 0;  // kHeartbeatRestarting, kHeartbeatEchoRequest; other bits reserved, 0
    uint32_t weight = 1;
    ViewId installed;  // the sender's last installed view
    // The sender's traffic, for a cluster-wide `safectl status` on any node:
    // flows in its data path, packets it accepted (counters since its start).
    uint32_t connections = 0;
    uint64_t packets = 0;
    // The MAC of the sender's farm interface: in vmac_directed an entry node
    // relays a frame to its bucket's owner at that MAC. Zero: not known.
    Mac mac{};
    // The echo (docs/design.md "Leases"): the receiver's incarnation and the
    // highest sequence number the sender accepted from it, while the sender
    // vouches for the receiver; zero when it does not (never heard it, or
    // agreed to a view without it). The receiver serves only while enough
    // peers echo it: its lease is anchored on the send time of what they
    // echoed, under the view the sender held (`installed`).
    uint32_t echoIncarnation = 0;
    uint64_t echoSeq = 0;
    // How the sender computes a view's bucket table: a node refuses the
    // heartbeats of a peer that computes another (docs/design.md
    // "Misconfigured peers").
    uint16_t bucketAlgorithm = kBucketAlgorithmVersion;
    uint32_t buckets = FARM_BUCKETS;
    // The peers the sender heard directly within the detection time, and
    // how long ago (ms, rounded up): a peer the receiver stopped hearing is
    // only suspected while another member still hears it (docs/design.md
    // "Suspicion"). `released`: the sender does not echo that peer now (it
    // agreed, or waits to agree, to a view without it): a coordinator whose
    // installed view is right proposes it again, else a proposal given up
    // would leave that peer without a lease (docs/design.md "Leases").
    // On the wire: u8 id, u16 released << 15 | agoMs. Sorted by id, unique,
    // ids < 255, agoMs <= kMaxAgoMs.
    struct Heard {
        static constexpr uint16_t kMaxAgoMs = 0x7fff;
        uint8_t id = 0;
        uint16_t agoMs = 0;
        bool released = false;
        bool operator==(const Heard& o) const { return id == o.id && agoMs == o.agoMs && released == o.released; }
    };
    std::vector<Heard> heard;
};

struct Ack {
    ViewId proposal;
    bool accepted = false;
    ViewId installed;  // when refused: the view the member holds (seq too high)
};

// Propose and Commit carry a whole view.
struct Message {
    Header header;
    std::variant<Heartbeat, Ack, View> body;
};

enum class DecodeError { Truncated, BadMagic, BadVersion, BadLength, BadMac, Malformed };
const char* decodeErrorName(DecodeError e);

struct Decoded {
    bool ok = false;
    uint8_t version = 0;  // the version byte, once the magic matched (BadVersion: the sender's)
    DecodeError error = DecodeError::Truncated;
    Message message;
};

std::vector<uint8_t> encode(const Message& m, const Hmac& mac);
Decoded decode(std::span<const uint8_t> bytes, const Hmac& mac);

}  // namespace safefarm::membership
