// A MembershipPort whose views a test commits by hand: what the module asked
// (ready, drain, leave) is recorded, and commit() delivers a view as the real
// protocol would after agreement.
#pragma once

#include "module/MembershipPort.h"

namespace safefarm::test {

class FakeMembershipPort : public module::MembershipPort {
public:
    struct Record {
        bool joined = false, ready = false, draining = false, left = false, restarting = false;
        std::chrono::nanoseconds restartLease{std::chrono::seconds(1)};
        membership::Membership::Traffic traffic;                         // what the module announced
        std::map<uint8_t, membership::Membership::Traffic> peerTraffic;  // what the peers said
        Mac mac{};                                                       // what the module announced
        std::map<uint8_t, Mac> peerMacs;                                 // what the peers said
        std::vector<membership::RefusedPeer> refused;                    // peers refused (another key...)
        bool blocked = false;                                            // ...and this node takes no bucket
        int joins = 0;
        // What the peers confirm (leaseUntil): nullopt, an hour from now.
        std::optional<std::chrono::nanoseconds> lease;
        std::map<uint8_t, membership::ViewId> peerViews;  // absent: holds every view
        bool leaseHeldAtInstall = true;
        std::optional<Error> failJoin;
    };
    explicit FakeMembershipPort(Record& record) : r_(record) {}

    Result<void> join(bool ready, ViewHandler onView) override {
        if (r_.failJoin) return *std::exchange(r_.failJoin, std::nullopt);
        r_.joined = true;
        r_.ready = ready;
        r_.draining = r_.left = false;
        r_.joins++;
        onView_ = std::move(onView);
        handler = &onView_;
        return success();
    }
    void setReady(bool ready) override { r_.ready = ready; }
    void drain() override { r_.draining = true; }
    void leave() override {
        r_.left = true;
        r_.joined = false;
    }
    bool joined() const override { return r_.joined; }
    void setTraffic(uint32_t connections, uint64_t packets) override { r_.traffic = {connections, packets}; }
    std::map<uint8_t, membership::Membership::Traffic> peerTraffic() const override { return r_.peerTraffic; }
    void setMac(const Mac& mac) override { r_.mac = mac; }
    std::map<uint8_t, Mac> peerMacs() const override { return r_.peerMacs; }
    std::vector<membership::RefusedPeer> refusedPeers() const override { return r_.refused; }
    bool blockedByMisconfiguredPeers() const override { return r_.blocked; }
    std::chrono::nanoseconds restarting() override {
        r_.restarting = true;
        return r_.restartLease;
    }

    std::chrono::nanoseconds leaseUntil() const override {
        if (r_.lease) return *r_.lease;
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch()) +
               std::chrono::hours(1);
    }

    bool peerHolds(uint8_t peer, const membership::ViewId& v) const override {
        auto it = r_.peerViews.find(peer);
        return it == r_.peerViews.end() || it->second == v;
    }
    void onEvent(std::function<void()> f) override { eventHandler = std::move(f); }
    bool leaseHeldAtInstall() const override { return r_.leaseHeldAtInstall; }
    std::function<void()> eventHandler;

    ViewHandler* handler = nullptr;

private:
    Record& r_;
    ViewHandler onView_;
};

}  // namespace safefarm::test
