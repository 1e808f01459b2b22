// The membership protocol (DESIGN §4) as a pure state machine: no sockets,
// no clock of its own, no threads. Inputs: datagrams with the lan they came
// in on, the monotonic time, local changes. Outputs, collected until taken:
// datagrams to send (lan, destination node) and committed views.
//
// Protocol (one round per change, corosync/Totem-like but simpler, because a
// farm needs agreement on membership, not ordered delivery):
//  - Every node sends a Heartbeat every `pulse` to every configured node on
//    every lan: its state, weight and the id of the view it has installed.
//  - A peer is alive while it was heard (any authenticated message) on any
//    lan within slost_count pulses; a lan to a peer is down after
//    mlost_count pulses of silence on it (counted, no view change: another
//    lan still carries it). A peer announcing Stopped is not alive at once.
//  - The coordinator is the lowest alive id (after a start, a node listens
//    for kGatherPulses pulses before it may coordinate, to learn the seqs in
//    use). When the alive set (with states and weights) differs from its
//    installed view, it proposes a view with seq = 1 + the highest seq it
//    has seen, sends Propose to the members, which Ack it if it names them
//    with their current incarnation and its seq is above the view they hold
//    (otherwise they refuse with that view's id and the coordinator proposes
//    again above it). With every Ack the coordinator commits: installs the
//    view and sends Commit. A member that does not ack within
//    ack_timeout is left out of the next proposal until it is heard again.
//  - Nodes install only committed views, and only views newer than theirs
//    that name them. A member whose heartbeat shows an older view than the
//    coordinator's gets the Commit again (lost commits heal in one pulse).
//  - Views are identified by (seq, coordinator, coordinator incarnation):
//    two partitions, or a restarted coordinator, never commit two different
//    views under one id. The data path's 64-bit epoch is seq << 8 | coordinator.
//  - Leases (docs/design.md "Leases"): every heartbeat echoes the highest
//    sequence number its sender accepted from the receiver. A node serves
//    only while its peers' echoes show it is counted in: its lease runs from
//    the send time of what they echoed plus the detection time (less the
//    clock drift allowance), and it ends once the peers whose echoes ran out
//    could form a quorate view without it. A node agrees to a view that
//    leaves a peer out (proposes, acks or commits it) only after it has let
//    that peer go: the peer was silent for the detection time, or this node
//    stopped echoing it that long ago. So nobody takes a live node's
//    buckets before its lease has run out on its own clock.
//  - Suspicion (docs/design.md "Suspicion"): every heartbeat also says which
//    peers its sender heard directly within the detection time, and how long
//    ago. A peer unheard here for the detection time is only suspected while
//    another member heard it since: it is dead when nobody has heard it for
//    the detection time (SWIM's indirect probe, carried by the heartbeats
//    instead of extra ping-req round trips). A real crash is still found
//    after the detection time: the reports age from the crash on.
// Differences from corosync/memberlist, and why: no ring and no ordered
// delivery (not needed for bucket ownership); indirect evidence rides on the
// heartbeats rather than SWIM's ping-req (farms are small, all nodes on the
// same lans; O(n^2) datagrams per pulse is 64 KB/s per node at 64 nodes);
// replay protection by (incarnation, seq window) like IPsec rather than
// corosync's nonce per packet, and every datagram bound to one life of its
// receiver (its id and incarnation in the header, docs/design.md "Replays"),
// so a receiver that restarted does not take what was recorded before.
//  - Misconfigured peers (docs/design.md "Misconfigured peers"): datagrams
//    from a configured peer's address refused for the key, the wire version
//    or the bucket algorithm are counted per peer; a node that does not serve
//    yet announces NotReady while as many configured peers are refused as it
//    hears (itself included), a serving one when more are.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <vector>

#include "common/Hmac.h"
#include "membership/Message.h"
#include "membership/ReplayWindow.h"
#include "membership/View.h"

namespace safefarm::membership {

using Nanos = std::chrono::nanoseconds;  // CLOCK_MONOTONIC since an arbitrary origin

// Split brain (docs/design.md "Quorum"): with `Majority` (the default) a view
// owns buckets only if it holds more than half of the configured nodes, or
// exactly half including the lowest configured id (corosync's
// auto_tie_breaker); the minority side stays in its view owning nothing, and
// leases are confirmed by the peers. With `None` (SafeKit's behaviour) every
// side of a partition forms its own view and serves every bucket, and a
// node's lease is its own: clients that reach both sides get two answers.
enum class QuorumPolicy : uint8_t { None, Majority };

struct MembershipConfig {
    uint8_t self = 0;
    std::vector<uint8_t> nodes;  // every node of the farm, self included, ids < 255
    uint8_t lans = 1;
    // <farm pulse slost_count mlost_count>: no defaults here, every user sets
    // them (safed from the module's <farm>; safefarm-membership and the bench
    // from config::defaultFarmTiming(), the table's; tests their own). They
    // were 100 ms, 5 and 2 here against the table's 50 ms, 4 and 5.
    Nanos pulse{};
    uint32_t slostCount = 0;        // pulses of silence on every lan: the peer is dead
    uint32_t ackTimeoutPulses = 0;  // mlost_count: pulses to acknowledge a proposed view
    // The state machine's own (no attribute): pulses of silence on one lan
    // from a peer still heard on another, and that lan to it is down.
    uint32_t lanDownPulses = 3;
    // A peer whose last heartbeat said it is restarting (kHeartbeatRestarting)
    // is alive this long after it, so the next agent can adopt its data path
    // (a process start under load takes more than slost_count pulses).
    Nanos restartHold = std::chrono::seconds(2);
    QuorumPolicy quorum = QuorumPolicy::Majority;
    uint32_t incarnation = 1;  // persisted and bumped at every start (Incarnation.h)
    uint32_t weight = 1;
    bool ready = false;  // the module is UP (checkers pass)
};

struct Datagram {
    uint8_t lan = 0;
    uint8_t to = 0;
    std::vector<uint8_t> bytes;
};

// Why a configured peer's datagrams are refused (docs/design.md
// "Misconfigured peers"): the MAC does not verify (another cluster key),
// another wire version, or heartbeats computing another bucket table.
enum class Refusal : uint8_t { Key, WireVersion, BucketAlgorithm };
const char* refusalName(Refusal r);  // "key", "wire_version", "bucket_algorithm"

// A configured peer whose datagrams were refused (Membership::refusedPeers).
struct RefusedPeer {
    uint8_t id = 0;
    Refusal reason = Refusal::Key;  // of the last one refused
    uint64_t count = 0;             // refused since this node started, every reason
    int64_t msAgo = 0;              // since the last one
    // WireVersion: the version byte it sent; BucketAlgorithm: its
    // kBucketAlgorithmVersion and table size. 0 otherwise.
    uint32_t versionSeen = 0;
    uint32_t bucketsSeen = 0;
    bool current = false;  // within the detection time: it counts in the block
    bool operator==(const RefusedPeer&) const = default;
};

struct Counters {
    uint64_t received = 0, accepted = 0, sent = 0;
    uint64_t truncated = 0, badMagic = 0, badVersion = 0, badLength = 0, malformed = 0;
    uint64_t forged = 0;    // MAC does not verify
    uint64_t replayed = 0;  // (incarnation, seq) already seen
    uint64_t stale = 0;     // older incarnation, or below the replay window
    uint64_t unknownSender = 0, fromSelf = 0;
    // Authenticated but for another node, or for another life of this node
    // (recorded before it restarted): nothing learnt but the sender's
    // incarnation (docs/design.md "Replays").
    uint64_t misdirected = 0;
    // Refused from a configured peer's address, by reason (docs/design.md
    // "Misconfigured peers"). Key and wire version are counted in forged and
    // badVersion as well; bucket algorithm only here.
    uint64_t refusedKey = 0, refusedWireVersion = 0, refusedBucketAlgorithm = 0;
    uint64_t misconfiguredBlocks = 0;  // times this node announced NotReady for refused peers
    uint64_t proposals = 0, commits = 0, installs = 0, exclusions = 0;
    uint64_t lanDown = 0, lanUp = 0, peerDeaths = 0;
    uint64_t acksHeld = 0;      // a proposal not acked yet: a peer it leaves out is not let go
    uint64_t echoRequests = 0;  // the lease neared its end: the peers asked to echo at once
    uint64_t suspected = 0;     // a peer unheard here for the detection time that another member still heard
    uint64_t dropped() const {
        return truncated + badMagic + badVersion + badLength + malformed + forged + replayed + stale + unknownSender +
               fromSelf + misdirected + refusedBucketAlgorithm;
    }
};

class Membership {
public:
    static constexpr uint32_t kGatherPulses = 2;
    // The largest rate difference allowed between two nodes' monotonic
    // clocks: NTP slews at most 500 ppm, so two nodes differ by at most
    // 1000 ppm (docs/design.md "Leases").
    static constexpr int64_t kClockDriftPpm = 1000;

    Membership(MembershipConfig config, Hmac mac, Nanos now);

    // Events in. `source`: the configured peer whose address on that lan the
    // datagram came from (UdpTransport), kUnknownSource if none. The MAC,
    // not the address, decides what is accepted: the source only says whom
    // to count a refused datagram against (refusedPeers()).
    static constexpr uint8_t kUnknownSource = 255;
    void receive(uint8_t lan, std::span<const uint8_t> bytes, Nanos now, uint8_t source = kUnknownSource);
    void tick(Nanos now);  // call at nextWakeup() (earlier is harmless)
    void setReady(bool ready, Nanos now);
    void setWeight(uint32_t weight, Nanos now);
    void setWitness(bool reachable, Nanos now);  // unreachable: announce NotReady
    // This node's traffic, carried by the next heartbeats (no view change).
    void setTraffic(uint32_t connections, uint64_t packets);
    struct Traffic {
        uint32_t connections = 0;
        uint64_t packets = 0;
    };
    // What each peer's last heartbeat said (peers never heard: absent).
    std::map<uint8_t, Traffic> peerTraffic() const;
    // The MAC of this node's farm interface, carried by its heartbeats; the
    // peers' as their last heartbeats said (never heard, or zero: absent).
    void setMac(const Mac& mac) { dataMac_ = mac; }
    std::map<uint8_t, Mac> peerMacs() const;
    void stop(Nanos now);     // graceful: Draining, owning nothing
    void drained(Nanos now);  // flows gone: Stopped, leaves the view
    void start(Nanos now);    // after stop(): join again
    // The agent exits and the next one will adopt the data path: tell every
    // peer (three copies on every lan, UDP) to hold this node's buckets for
    // restartHold. The caller may then serve under a lease up to
    // restartHoldLease() from now.
    void restarting(Nanos now);
    Nanos restartHoldLease() const { return config_.restartHold - config_.pulse; }

    Nanos nextWakeup() const;

    // Until when this node may accept, relay or answer for the VIP with the
    // table of its installed view (DESIGN §4, docs/design.md "Leases"):
    // Nanos{0} when it may not. The caller writes it into the data path as
    // the lease deadline (capped by its own stall guard) after every event.
    Nanos leaseUntil(Nanos now) const;

    // Events out.
    std::vector<Datagram> takeDatagrams() { return std::exchange(out_, {}); }
    std::vector<View> takeCommitted() { return std::exchange(committed_, {}); }

    const View& installed() const { return installed_; }
    bool quorate(const View& v) const;
    bool quorateSet(const std::vector<uint8_t>& ids) const;  // configured ids, self or not
    // A peer silent this long on every lan is dead (slost_count x pulse).
    Nanos detection() const { return config_.pulse * static_cast<int64_t>(config_.slostCount); }
    // How long a peer's echo vouches for this node: the detection time less
    // the drift allowance.
    Nanos leaseSpan() const { return detection() - detection() * kClockDriftPpm / 1'000'000; }
    MemberState announcedState() const;
    std::vector<uint8_t> alive(Nanos now) const;  // self included unless stopped
    bool lanUp(uint8_t peer, uint8_t lan) const;
    // The view a peer's last heartbeat said it installed (empty: unknown).
    // A bucket moving from a live peer is taken only once that peer holds
    // the view that moves it (docs/design.md "Handoffs").
    ViewId peerInstalled(uint8_t peer) const;
    // Did this node hold its lease when it installed its current view? If
    // not (its first view, or it was let go meanwhile), its data path's
    // table is stale: the others may serve any of its buckets, and it takes
    // them as a joining node does (docs/design.md "Handoffs").
    bool leaseHeldAtInstall() const { return leaseHeldAtInstall_; }
    const Counters& counters() const { return counters_; }
    // Every configured peer with a refused datagram since this node started,
    // by id (docs/design.md "Misconfigured peers").
    std::vector<RefusedPeer> refusedPeers(Nanos now) const;
    // This node announces NotReady because of them (as of the last event).
    bool blockedByMisconfiguredPeers() const { return blocked_; }
    const MembershipConfig& config() const { return config_; }
    // A hash of every piece of protocol state (not the counters): the
    // simulator checks that a forged or replayed datagram never changes it.
    uint64_t fingerprint() const;

private:
    struct Peer {
        ReplayWindow window;
        bool heard = false;
        Nanos lastHeard{0};             // directly, on any lan
        Nanos heardVia{INT64_MIN / 4};  // the newest time another member said it heard it directly
        bool suspected = false;         // unheard here for the detection time, heard by another member
        Nanos holdUntil{0};             // restarting: alive until then whatever the silence
        Traffic traffic;
        Mac mac{};
        std::vector<Nanos> lastHeardLan;
        std::vector<bool> lanUp;
        MemberState state = MemberState::NotReady;
        uint32_t weight = 0;
        ViewId installed;
        bool excluded = false;
        Nanos excludedAt{0};
        Nanos lastCommitSent{0};
        bool declaredDead = false;
        Nanos hearsMeAt{INT64_MIN / 4};  // when it last heard this node, as it said
        // Leases: per view it held when echoing, my send time of the newest
        // of my datagrams it echoed.
        struct Anchor {
            ViewId view;
            Nanos at;
        };
        std::vector<Anchor> anchors;  // a few views at most
        // I stopped echoing it (agreed to, or wait to agree to, a view
        // without it): no echo until I install a view newer than
        // releasedFor that holds it again.
        bool released = false;
        Nanos releasedAt{0};
        ViewId releasedFor;
        bool agreedWithout = false;       // acked or installed a view without it since the release
        Nanos leftOutSeen{0};             // a proposal without it last seen (made, asked to ack)
        std::vector<uint8_t> releases;    // the peers it said it agreed to leave out (its last heartbeat)
        Nanos lastAnswer{INT64_MIN / 4};  // answered at once then (an echo request, a new incarnation)
        // The highest incarnation seen in an authenticated datagram to this
        // node: the destination incarnation of what it sends to the peer.
        uint32_t learntIncarnation = 0;
        // Its last datagram that passed the MAC, named this node and came
        // from its current life (refused as misdirected or not), and does
        // not compute another bucket table: it has our key and version.
        Nanos authenticatedAt{INT64_MIN / 4};
        // Its last heartbeat computes another bucket table: its datagrams
        // are refused until one computes ours (or a new incarnation).
        bool otherBuckets = false;
        struct Refused {
            Refusal reason = Refusal::Key;
            uint64_t count = 0;
            Nanos at{INT64_MIN / 4};
            uint32_t versionSeen = 0, bucketsSeen = 0;
        } refused;
    };
    static constexpr Nanos kNever{INT64_MIN / 4};
    struct Proposal {
        bool active = false;
        View view;
        std::set<uint8_t> acked;
        Nanos sentAt{0}, lastSent{0};
    };

    bool peerAlive(const Peer& p, Nanos now) const;
    bool isCoordinator(Nanos now) const;
    std::vector<ViewMember> desiredMembers(Nanos now) const;
    void coordinate(Nanos now);
    bool releasedInView() const;
    // Left out for not acking, and not heard saying it hears this node since.
    static bool leftOutForAcks(const Peer& p) { return p.excluded && p.hearsMeAt <= p.excludedAt; }
    void echoAgain(const ViewId& given, Nanos now);
    void propose(std::vector<ViewMember> members, Nanos now);
    void commitProposal(Nanos now);
    void install(const View& v, Nanos now);
    void send(uint8_t to, MessageType type, const std::variant<Heartbeat, Ack, View>& body, Nanos now);
    void sendHeartbeats(Nanos now, uint8_t flags = 0);
    void sendHeartbeat(uint8_t to, const Peer& p, Nanos now, uint8_t flags);
    Nanos echoRequestAt() const;
    std::optional<Nanos> vouchedUntil() const;
    void onHeartbeat(uint8_t from, const Heartbeat& hb, Nanos now);
    void answer(uint8_t to, Peer& p, Nanos now);  // a heartbeat at once, rate-limited
    // Misconfigured peers.
    void refuse(uint8_t source, Refusal reason, uint32_t versionSeen, uint32_t bucketsSeen, Nanos now);
    bool misconfiguredBlock(Nanos now) const;
    void updateBlock(Nanos now);
    void onPropose(uint8_t from, uint32_t inc, const View& v, Nanos now);
    // Leases.
    bool letGo(const Peer& p, Nanos now) const;
    bool releaseLeftOut(const View& v, Nanos now);  // true: every peer v leaves out is let go
    void maybeCommit(Nanos now);
    Nanos ackTimeout() const;
    std::optional<Nanos> sentTime(uint64_t seq) const;
    void onAck(uint8_t from, uint32_t inc, const Ack& a, Nanos now);
    void onCommit(const View& v, Nanos now);
    void localChange(Nanos now);

    MembershipConfig config_;
    Traffic traffic_;
    Mac dataMac_{};  // this node's farm interface
    Hmac mac_;
    Nanos startedAt_;
    Nanos nextHeartbeat_;
    bool restarting_ = false;   // restarting() was called: this agent is about to exit
    Nanos nextEchoRequest_{0};  // the lease nears its end: asks for echoes at most this often
    uint64_t seq_ = 0;
    std::deque<std::pair<uint64_t, Nanos>> sentAt_;  // my recent seqs and when they left (leases)
    std::map<uint8_t, Peer> peers_;
    bool draining_ = false, stopped_ = false, witnessOk_ = true, gathered_ = false;
    bool blocked_ = false;  // misconfiguredBlock() at the last event
    Nanos blockCheckedAt_{INT64_MIN / 4};
    View installed_;
    bool leaseHeldAtInstall_ = false;
    Nanos quorumLostAt_{INT64_MIN / 4};     // the desired view lost the quorum the installed one has
    Nanos quorumWaitUntil_{INT64_MIN / 4};  // a view without it is not proposed before
    uint64_t maxSeqSeen_ = 0;
    Proposal proposal_;
    Counters counters_;
    std::vector<Datagram> out_;
    std::vector<View> committed_;
};

}  // namespace safefarm::membership
