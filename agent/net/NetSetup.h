// The node's network setup as a farm module needs it (DESIGN §1, §5): VIP
// addresses, the vMAC in the NIC's unicast filter, sysctls, link state.
// NetlinkSetup is the real one; tests/support/FakeNetSetup keeps it in memory
// so the module above it is tested without root.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/NetAddr.h"
#include "common/Result.h"

namespace safefarm::net {

struct LinkInfo {
    int index = 0;
    bool adminUp = false;  // IFF_UP
    bool carrier = false;  // IFF_LOWER_UP, or operstate up
    Mac mac{};
    uint32_t mtu = 0;

    bool up() const { return adminUp && carrier; }
};

class NetSetup {
public:
    virtual ~NetSetup() = default;

    virtual Result<LinkInfo> link(const std::string& ifname) = 0;

    // The VIP as a host address (/32, /128) without a prefix route, and
    // without DAD for IPv6 (every node holds it). Already present: success.
    virtual Result<void> addAddress(const std::string& ifname, const IpAddr& vip) = 0;
    // Removes the host address added above. Absent: success.
    virtual Result<void> removeAddress(const std::string& ifname, const IpAddr& vip) = 0;
    virtual Result<std::vector<IpAddr>> addresses(const std::string& ifname) = 0;

    // Makes the NIC accept frames to mac: an NTF_SELF fdb entry (its unicast
    // filter), or promiscuous mode where the device refuses that.
    virtual Result<void> addUnicastMac(const std::string& ifname, const Mac& mac) = 0;
    // Undoes exactly what addUnicastMac did; never clears a promiscuous mode
    // it did not set.
    virtual Result<void> removeUnicastMac(const std::string& ifname, const Mac& mac) = 0;

    // key relative to /proc/sys ("net/ipv4/conf/eth0/arp_announce"), in this
    // network namespace; returns the previous value so it can be restored.
    virtual Result<std::string> setSysctl(const std::string& key, const std::string& value) = 0;
};

}  // namespace safefarm::net
