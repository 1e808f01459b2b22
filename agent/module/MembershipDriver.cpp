#include "module/MembershipDriver.h"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>

#include <cstring>

#include "membership/Persist.h"

namespace safefarm::module {

namespace asio = boost::asio;
using membership::UdpTransport;

namespace {

asio::ip::address toAsio(const IpAddr& a) {
    if (a.family == AF_INET) {
        asio::ip::address_v4::bytes_type b;
        std::memcpy(b.data(), a.words.data(), 4);
        return asio::ip::address_v4(b);
    }
    asio::ip::address_v6::bytes_type b;
    std::memcpy(b.data(), a.words.data(), 16);
    return asio::ip::address_v6(b);
}

}  // namespace

MembershipDriver::MembershipDriver(asio::io_context& io, const FarmPlan& plan, MembershipSettings settings)
    : io_(io), plan_(plan), settings_(std::move(settings)), closeTimer_(io) {}

// Destroyed while the transport may still have handlers queued (a module
// rebuilt right after a stop, before the close timer ran): they point at the
// transport, so it is retired, not destroyed here (a crash found by CI).
MembershipDriver::~MembershipDriver() { retire(); }

// The transport's aborted receive and timer handlers still point at it:
// destroy it (and the state machine it drives) only after they have run.
void MembershipDriver::retire() {
    closeTimer_.cancel();
    leaving_ = false;
    if (!transport_) return;
    transport_->stop();
    asio::post(io_, [t = std::move(transport_), m = std::move(membership_)]() mutable {
        t.reset();
        m.reset();
    });
}

Result<void> MembershipDriver::join(bool ready, ViewHandler onView) {
    if (leaving_) retire();
    if (transport_) return badInput("the membership has already joined");
    auto key = membership::loadClusterKey(settings_.keyFile);
    if (!key) return key.error();
    auto mac = Hmac::create(key.value());
    if (!mac) return mac.error();
    auto inc = membership::bumpIncarnation(settings_.incarnationFile);
    if (!inc) return inc.error();

    membership::MembershipConfig cfg;
    cfg.self = plan_.self;
    for (const auto& n : plan_.nodes) cfg.nodes.push_back(n.id);
    cfg.lans = static_cast<uint8_t>(plan_.nodes.front().lanAddrs.size());
    cfg.pulse = settings_.pulse;
    cfg.slostCount = settings_.slostCount;
    // <farm mlost_count>: as docs/userconfig.md reads it, the pulses a member
    // may take to acknowledge a proposed view before it is left out. (A lan
    // to a peer counts as down after the state machine's own default.)
    cfg.ackTimeoutPulses = settings_.mlostCount;
    cfg.quorum = settings_.quorum;
    cfg.incarnation = inc.value();
    cfg.ready = ready;
    // Weights come from the group's <host power> (FarmPlan::hosts); the
    // announced weight is 1 so a farm without hosts is balanced evenly.
    cfg.weight = 1;

    std::vector<membership::LanEndpoints> lans(cfg.lans);
    for (size_t l = 0; l < lans.size(); l++) {
        for (const auto& n : plan_.nodes) {
            asio::ip::udp::endpoint ep(toAsio(n.lanAddrs[l]), plan_.port);
            if (n.id == plan_.self)
                lans[l].local = ep;
            else
                lans[l].peers[n.id] = ep;
        }
    }
    membership_ = std::make_unique<membership::Membership>(cfg, std::move(mac.value()), UdpTransport::monotonicNow());
    membership_->setMac(mac_);
    auto* m = membership_.get();
    transport_ = std::make_unique<UdpTransport>(io_, *m, std::move(lans),
                                                [m, onView](const membership::View& v) { onView(v, m->quorate(v)); });
    transport_->onEvent([this] {
        if (onEvent_ && membership_) onEvent_();
    });
    if (auto r = transport_->start(); !r) {
        transport_.reset();
        membership_.reset();
        return r.error();
    }
    return success();
}

// A local change is told at once (Membership queues the heartbeats), not at
// the next pulse: a node ready or draining moves the view up to a pulse
// sooner. Only the datagrams go now; views still come from the transport's
// own turn, never from inside the module's call.
void MembershipDriver::setReady(bool ready) {
    if (!membership_) return;
    membership_->setReady(ready, UdpTransport::monotonicNow());
    if (transport_) transport_->sendQueued();
}

void MembershipDriver::drain() {
    if (!membership_) return;
    membership_->stop(UdpTransport::monotonicNow());
    if (transport_) transport_->sendQueued();
}

std::chrono::nanoseconds MembershipDriver::restarting() {
    if (!membership_ || !transport_ || leaving_) return std::chrono::nanoseconds{0};
    membership_->restarting(UdpTransport::monotonicNow());
    transport_->sendQueued();
    return membership_->restartHoldLease();
}

bool MembershipDriver::peerHolds(uint8_t peer, const membership::ViewId& v) const {
    return membership_ && membership_->peerInstalled(peer) == v;
}

std::chrono::nanoseconds MembershipDriver::leaseUntil() const {
    if (!membership_ || leaving_) return std::chrono::nanoseconds{0};
    return membership_->leaseUntil(UdpTransport::monotonicNow());
}

std::vector<membership::RefusedPeer> MembershipDriver::refusedPeers() const {
    if (!membership_) return {};
    return membership_->refusedPeers(UdpTransport::monotonicNow());
}

void MembershipDriver::setTraffic(uint32_t connections, uint64_t packets) {
    if (membership_) membership_->setTraffic(connections, packets);
}

std::map<uint8_t, membership::Membership::Traffic> MembershipDriver::peerTraffic() const {
    return membership_ ? membership_->peerTraffic() : std::map<uint8_t, membership::Membership::Traffic>{};
}

void MembershipDriver::setMac(const Mac& mac) {
    mac_ = mac;
    if (membership_) membership_->setMac(mac);
}

std::map<uint8_t, Mac> MembershipDriver::peerMacs() const {
    return membership_ ? membership_->peerMacs() : std::map<uint8_t, Mac>{};
}

void MembershipDriver::leave() {
    if (!membership_) return;
    membership_->drained(UdpTransport::monotonicNow());
    leaving_ = true;
    // Keep the sockets one pulse more so the Stopped heartbeat goes out and
    // the others drop this node at once instead of after slost_count pulses.
    closeTimer_.expires_after(settings_.pulse + std::chrono::milliseconds(20));
    closeTimer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec && leaving_) retire();
    });
}

}  // namespace safefarm::module
