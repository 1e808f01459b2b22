// NetSetup over rtnetlink (libnl-3-route). Everything is asked of netlink,
// never of /sys/class/net, which shows the mount's namespace and not the
// socket's: under `nsenter --net=` it would describe the host's devices.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "net/NetSetup.h"
#include "net/NlSocket.h"

namespace safefarm::net {

enum class UnicastMethod { Fdb, Promisc };

class NetlinkSetup : public NetSetup {
public:
    // Bound to the calling thread's network namespace for its lifetime.
    static Result<std::unique_ptr<NetlinkSetup>> open();

    Result<LinkInfo> link(const std::string& ifname) override;
    Result<void> addAddress(const std::string& ifname, const IpAddr& vip) override;
    Result<void> removeAddress(const std::string& ifname, const IpAddr& vip) override;
    Result<std::vector<IpAddr>> addresses(const std::string& ifname) override;
    Result<void> addUnicastMac(const std::string& ifname, const Mac& mac) override;
    Result<void> removeUnicastMac(const std::string& ifname, const Mac& mac) override;
    Result<std::string> setSysctl(const std::string& key, const std::string& value) override;

    // How addUnicastMac made the NIC accept mac; nullopt when it did not.
    std::optional<UnicastMethod> unicastMethod(const std::string& ifname, const Mac& mac) const;

private:
    explicit NetlinkSetup(NlSocket sock) : nl_(std::move(sock)) {}
    Result<void> changeAddress(int type, const std::string& ifname, const IpAddr& vip);
    Result<void> changeFdb(int type, const std::string& ifname, const Mac& mac);
    Result<void> setPromisc(const std::string& ifname, bool on);

    // Promiscuous mode is one flag shared by every vMAC that fell back to it:
    // cleared when the last one goes, and only if it was ours to clear.
    struct Promisc {
        int users = 0;
        bool setByUs = false;
    };

    NlSocket nl_;
    std::map<std::pair<std::string, Mac>, UnicastMethod> unicast_;
    std::map<std::string, Promisc> promisc_;
};

}  // namespace safefarm::net
