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
// Differences from corosync/memberlist, and why: no ring and no ordered
// delivery (not needed for bucket ownership); no gossip/SWIM indirect probes
// (farms are small, all on the same lans: direct heartbeats over every lan are
// cheaper to reason about, O(n^2) datagrams per pulse is 64 KB/s per node at
// 64 nodes); replay protection by (incarnation, seq window) like IPsec rather
// than corosync's nonce per packet.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <vector>

#include "membership/Hmac.h"
#include "membership/Message.h"
#include "membership/ReplayWindow.h"
#include "membership/View.h"

namespace safefarm::membership {

using Nanos = std::chrono::nanoseconds;  // CLOCK_MONOTONIC since an arbitrary origin

// Split brain (DESIGN §4): with `None` every side of a partition forms its own
// view and serves every bucket (the farm keeps serving, clients may see two
// answers for a while: SafeKit's default). With `Majority` a view owns
// buckets only if it holds more than half of the configured nodes, or exactly
// half including the lowest configured id (corosync's auto_tie_breaker); the
// minority side stays in its view owning nothing. See quorate().
enum class QuorumPolicy : uint8_t { None, Majority };

struct MembershipConfig {
    uint8_t self = 0;
    std::vector<uint8_t> nodes;  // every node of the farm, self included, ids < 255
    uint8_t lans = 1;
    Nanos pulse = std::chrono::milliseconds(100);
    uint32_t slostCount = 5;  // pulses of silence on every lan: the peer is dead
    uint32_t mlostCount = 3;  // pulses of silence on one lan: that lan is down
    uint32_t ackTimeoutPulses = 2;
    // A peer whose last heartbeat said it is restarting (kHeartbeatRestarting)
    // is alive this long after it, so the next agent can adopt its data path
    // (a process start under load takes more than slost_count pulses).
    Nanos restartHold = std::chrono::seconds(2);
    QuorumPolicy quorum = QuorumPolicy::None;
    uint32_t incarnation = 1;  // persisted and bumped at every start (Incarnation.h)
    uint32_t weight = 1;
    bool ready = false;  // the module is UP (checkers pass)
};

struct Datagram {
    uint8_t lan = 0;
    uint8_t to = 0;
    std::vector<uint8_t> bytes;
};

struct Counters {
    uint64_t received = 0, accepted = 0, sent = 0;
    uint64_t truncated = 0, badMagic = 0, badVersion = 0, badLength = 0, malformed = 0;
    uint64_t forged = 0;    // MAC does not verify
    uint64_t replayed = 0;  // (incarnation, seq) already seen
    uint64_t stale = 0;     // older incarnation, or below the replay window
    uint64_t unknownSender = 0, fromSelf = 0;
    uint64_t proposals = 0, commits = 0, installs = 0, exclusions = 0;
    uint64_t lanDown = 0, lanUp = 0, peerDeaths = 0;
    uint64_t dropped() const {
        return truncated + badMagic + badVersion + badLength + malformed + forged + replayed + stale + unknownSender +
               fromSelf;
    }
};

class Membership {
public:
    static constexpr uint32_t kGatherPulses = 2;

    Membership(MembershipConfig config, Hmac mac, Nanos now);

    // Events in.
    void receive(uint8_t lan, std::span<const uint8_t> bytes, Nanos now);
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
    void stop(Nanos now);                        // graceful: Draining, owning nothing
    void drained(Nanos now);                     // flows gone: Stopped, leaves the view
    void start(Nanos now);                       // after stop(): join again
    // The agent exits and the next one will adopt the data path: tell every
    // peer (three copies on every lan, UDP) to hold this node's buckets for
    // restartHold. The caller may then serve under a lease up to
    // restartHoldLease() from now.
    void restarting(Nanos now);
    Nanos restartHoldLease() const { return config_.restartHold - config_.pulse; }

    Nanos nextWakeup() const;

    // Events out.
    std::vector<Datagram> takeDatagrams() { return std::exchange(out_, {}); }
    std::vector<View> takeCommitted() { return std::exchange(committed_, {}); }

    const View& installed() const { return installed_; }
    bool quorate(const View& v) const;
    MemberState announcedState() const;
    std::vector<uint8_t> alive(Nanos now) const;  // self included unless stopped
    bool lanUp(uint8_t peer, uint8_t lan) const;
    const Counters& counters() const { return counters_; }
    const MembershipConfig& config() const { return config_; }
    // A hash of every piece of protocol state (not the counters): the
    // simulator checks that a forged or replayed datagram never changes it.
    uint64_t fingerprint() const;

private:
    struct Peer {
        ReplayWindow window;
        bool heard = false;
        Nanos lastHeard{0};
        Nanos holdUntil{0};  // restarting: alive until then whatever the silence
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
    };
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
    void propose(std::vector<ViewMember> members, Nanos now);
    void commitProposal(Nanos now);
    void install(const View& v);
    void send(uint8_t to, MessageType type, const std::variant<Heartbeat, Ack, View>& body);
    void sendHeartbeats(Nanos now);
    void onHeartbeat(uint8_t from, const Heartbeat& hb, Nanos now);
    void onPropose(uint8_t from, uint32_t inc, const View& v);
    void onAck(uint8_t from, uint32_t inc, const Ack& a, Nanos now);
    void onCommit(const View& v);
    void localChange(Nanos now);

    MembershipConfig config_;
    Traffic traffic_;
    Mac dataMac_{};  // this node's farm interface
    Hmac mac_;
    Nanos startedAt_;
    Nanos nextHeartbeat_;
    uint64_t seq_ = 0;
    std::map<uint8_t, Peer> peers_;
    bool draining_ = false, stopped_ = false, witnessOk_ = true, gathered_ = false;
    View installed_;
    uint64_t maxSeqSeen_ = 0;
    Proposal proposal_;
    Counters counters_;
    std::vector<Datagram> out_;
    std::vector<View> committed_;
};

}  // namespace safefarm::membership
