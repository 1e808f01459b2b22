// The membership protocol as the module sees it: join, say ready or not,
// drain, leave; committed views come back through onView. The real one
// (MembershipDriver) runs the state machine over UDP; tests use a fake that
// commits views by hand.
#pragma once

#include <chrono>
#include <functional>

#include <map>
#include <vector>
#include "common/Result.h"

#include "membership/Membership.h"
#include "membership/View.h"

namespace safefarm::module {

class MembershipPort {
public:
    using ViewHandler = std::function<void(const membership::View&, bool quorate)>;
    virtual ~MembershipPort() = default;

    virtual Result<void> join(bool ready, ViewHandler onView) = 0;  // opens the sockets
    virtual void setReady(bool ready) = 0;
    virtual void drain() = 0;  // graceful stop: announce Draining, own nothing
    virtual void leave() = 0;  // flows gone: announce Stopped, then close
    virtual bool joined() const = 0;
    // The agent exits and the next one adopts the data path (SIGTERM, an
    // upgrade): the peers are told to hold this node's buckets; returns how
    // long from now the data path may keep serving under its lease.
    virtual std::chrono::nanoseconds restarting() = 0;
    // Until when (CLOCK_MONOTONIC) this node may serve its installed view's
    // table, as its peers confirm it (docs/design.md "Leases"); 0: not.
    virtual std::chrono::nanoseconds leaseUntil() const = 0;
    // Did the peer last say it installed exactly view v? (docs/design.md
    // "Handoffs": buckets held until every member does.)
    virtual bool peerHolds(uint8_t peer, const membership::ViewId& v) const = 0;
    // `f` runs (on the module's thread) after every datagram or tick the
    // membership handled, views delivered: an echo may have moved the lease,
    // a peer may now hold the view.
    virtual void onEvent(std::function<void()> f) = 0;
    // Membership::leaseHeldAtInstall() of the view last delivered.
    virtual bool leaseHeldAtInstall() const = 0;
    // This node's traffic, carried by its heartbeats; the peers' as their
    // last heartbeats said (`safectl status` on any node shows every node's).
    virtual void setTraffic(uint32_t connections, uint64_t packets) = 0;
    virtual std::map<uint8_t, membership::Membership::Traffic> peerTraffic() const = 0;
    // The MAC of this node's farm interface, carried by its heartbeats (kept
    // across joins); the peers' as their heartbeats said: vmac_directed
    // relays to them.
    virtual void setMac(const Mac& mac) = 0;
    virtual std::map<uint8_t, Mac> peerMacs() const = 0;
    // Configured peers whose datagrams are refused (another cluster key,
    // wire version or bucket algorithm), and whether this node takes no
    // bucket because of them (docs/design.md "Misconfigured peers").
    virtual std::vector<membership::RefusedPeer> refusedPeers() const = 0;
    virtual bool blockedByMisconfiguredPeers() const = 0;
};

}  // namespace safefarm::module
