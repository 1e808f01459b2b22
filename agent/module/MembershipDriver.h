// The real MembershipPort: the membership state machine over UDP on every lan
// of the farm (membership::UdpTransport), keyed with the cluster key, with
// an incarnation bumped on disk at every join so nothing from a previous
// life of this node can be replayed.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <string>

#include "membership/Membership.h"
#include "membership/UdpTransport.h"
#include "module/FarmPlan.h"
#include "module/MembershipPort.h"

namespace safefarm::module {

struct MembershipSettings {
    std::string keyFile;
    std::string incarnationFile;
    // From the module's <farm> (no defaults here: they are the table's,
    // Vocabulary.cpp; these were 100 ms, 5 and 3 against its 50 ms, 4 and 5).
    membership::Nanos pulse{};
    uint32_t slostCount = 0, mlostCount = 0;
    membership::QuorumPolicy quorum = membership::QuorumPolicy::Majority;
};

class MembershipDriver : public MembershipPort {
public:
    MembershipDriver(boost::asio::io_context& io, const FarmPlan& plan, MembershipSettings settings);
    ~MembershipDriver() override;

    Result<void> join(bool ready, ViewHandler onView) override;
    void setReady(bool ready) override;
    void drain() override;
    void leave() override;
    std::chrono::nanoseconds restarting() override;
    std::chrono::nanoseconds leaseUntil() const override;
    bool peerHolds(uint8_t peer, const membership::ViewId& v) const override;
    bool leaseHeldAtInstall() const override { return membership_ && membership_->leaseHeldAtInstall(); }
    void onEvent(std::function<void()> f) override { onEvent_ = std::move(f); }
    void setTraffic(uint32_t connections, uint64_t packets) override;
    std::map<uint8_t, membership::Membership::Traffic> peerTraffic() const override;
    void setMac(const Mac& mac) override;
    std::map<uint8_t, Mac> peerMacs() const override;
    std::vector<membership::RefusedPeer> refusedPeers() const override;
    bool blockedByMisconfiguredPeers() const override {
        return membership_ && membership_->blockedByMisconfiguredPeers();
    }
    bool joined() const override { return transport_ != nullptr && !leaving_; }

    const membership::Membership* state() const { return membership_.get(); }

private:
    void retire();

    boost::asio::io_context& io_;
    FarmPlan plan_;
    MembershipSettings settings_;
    std::unique_ptr<membership::Membership> membership_;
    std::unique_ptr<membership::UdpTransport> transport_;
    boost::asio::steady_timer closeTimer_;
    bool leaving_ = false;
    Mac mac_{};
    std::function<void()> onEvent_;
};

}  // namespace safefarm::module
