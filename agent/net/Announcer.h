// Tells the LAN where a VIP is: gratuitous ARPs and unsolicited neighbour
// advertisements (DESIGN §1, arpreroute). PacketAnnouncer sends them on an
// AF_PACKET socket; tests/support/FakeAnnouncer records them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/NetAddr.h"
#include "common/Result.h"

namespace safefarm::net {

class Announcer {
public:
    virtual ~Announcer() = default;
    // "v4 is at sender": an ARP request with sender = target = v4.
    virtual Result<void> gratuitousArp(const std::string& ifname, const IpAddr& v4, const Mac& sender) = 0;
    // "v6 is at target": an NA with Override, to all nodes.
    virtual Result<void> unsolicitedNa(const std::string& ifname, const IpAddr& v6, const Mac& target) = 0;
};

// The given MAC goes in the payload only; the Ethernet source is the
// interface's own MAC (see AnnounceFrames.h for why).
class PacketAnnouncer : public Announcer {
public:
    // A send-only packet socket in the calling thread's network namespace.
    static Result<std::unique_ptr<PacketAnnouncer>> open();
    ~PacketAnnouncer() override;
    PacketAnnouncer(const PacketAnnouncer&) = delete;
    PacketAnnouncer& operator=(const PacketAnnouncer&) = delete;

    Result<void> gratuitousArp(const std::string& ifname, const IpAddr& v4, const Mac& sender) override;
    Result<void> unsolicitedNa(const std::string& ifname, const IpAddr& v6, const Mac& target) override;

private:
    explicit PacketAnnouncer(int fd) : fd_(fd) {}
    struct Device {
        int index = 0;
        Mac mac{};
    };
    Result<Device> device(const std::string& ifname, const std::string& what);
    Result<void> send(const Device& dev, const std::vector<uint8_t>& frame, const std::string& what);

    int fd_ = -1;
};

}  // namespace safefarm::net
