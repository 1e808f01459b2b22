#include "net/Announcer.h"

#include <net/if.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "net/AnnounceFrames.h"

namespace safefarm::net {

Result<std::unique_ptr<PacketAnnouncer>> PacketAnnouncer::open() {
    // Protocol 0: the socket receives nothing, so it never queues traffic.
    int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (fd < 0) return osError(errno, "opening a packet socket for ARP/NA announcements");
    return std::unique_ptr<PacketAnnouncer>(new PacketAnnouncer(fd));
}

PacketAnnouncer::~PacketAnnouncer() {
    if (fd_ >= 0) ::close(fd_);
}

// Asked on the socket itself, so index and MAC come from its namespace.
Result<PacketAnnouncer::Device> PacketAnnouncer::device(const std::string& ifname, const std::string& what) {
    if (ifname.empty() || ifname.size() >= IFNAMSIZ) return badInput(what + ": bad interface name");
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, ifname.c_str(), ifname.size());
    if (::ioctl(fd_, SIOCGIFINDEX, &ifr) < 0) return osError(errno, what);
    Device dev;
    dev.index = ifr.ifr_ifindex;
    if (::ioctl(fd_, SIOCGIFHWADDR, &ifr) < 0) return osError(errno, what + " (reading its MAC)");
    if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) return badInput(what + ": not an Ethernet device");
    std::memcpy(dev.mac.data(), ifr.ifr_hwaddr.sa_data, dev.mac.size());
    return dev;
}

Result<void> PacketAnnouncer::send(const Device& dev, const std::vector<uint8_t>& frame, const std::string& what) {
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = dev.index;
    to.sll_halen = 6;
    std::memcpy(to.sll_addr, frame.data(), 6);     // the frame's destination
    std::memcpy(&to.sll_protocol, &frame[12], 2);  // the EtherType, already in network order
    ssize_t n = ::sendto(fd_, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    if (n < 0) return osError(errno, what);
    if (static_cast<size_t>(n) != frame.size()) return osError(EIO, what + " (short write)");
    return success();
}

Result<void> PacketAnnouncer::gratuitousArp(const std::string& ifname, const IpAddr& v4, const Mac& sender) {
    std::string what = "sending a gratuitous ARP for " + formatIp(v4) + " at " + formatMac(sender) + " on " + ifname;
    if (v4.family != AF_INET) return badInput(what + ": not an IPv4 address");
    auto dev = device(ifname, what);
    if (!dev) return dev.error();
    return send(dev.value(), buildGratuitousArp(dev->mac, sender, v4), what);
}

Result<void> PacketAnnouncer::unsolicitedNa(const std::string& ifname, const IpAddr& v6, const Mac& target) {
    std::string what = "sending an unsolicited NA for " + formatIp(v6) + " at " + formatMac(target) + " on " + ifname;
    if (v6.family != AF_INET6) return badInput(what + ": not an IPv6 address");
    auto dev = device(ifname, what);
    if (!dev) return dev.error();
    return send(dev.value(), buildUnsolicitedNa(dev->mac, target, v6), what);
}

}  // namespace safefarm::net
