// A NetSetup that keeps the node's network in memory: links a test declares
// (and flips up or down), addresses, unicast-filter entries and promiscuous
// mode, sysctls. For the module logic above the kernel, tested without root.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "net/NetSetup.h"

namespace safefarm::test {

class FakeNetSetup : public net::NetSetup {
public:
    struct Link {
        net::LinkInfo info;
        std::vector<IpAddr> addresses;
        std::set<Mac> fdb;          // NTF_SELF entries
        bool promisc = false;       // as an administrator or we set it
        bool refusesFdb = false;    // like lo or a driver without ndo_fdb_add
        std::set<Mac> promiscMacs;  // vMACs that fell back to promiscuous mode
        bool promiscSetByUs = false;
    };

    // A link, up, with the per-interface sysctls the module touches.
    Link& addLink(const std::string& ifname, const Mac& mac, uint32_t mtu = 1500) {
        Link& l = links_[ifname];
        l.info = net::LinkInfo{static_cast<int>(links_.size()), true, true, mac, mtu};
        sysctls_["net/ipv4/conf/" + ifname + "/arp_announce"] = "0";
        sysctls_["net/ipv4/conf/" + ifname + "/arp_ignore"] = "0";
        return l;
    }
    Link& linkState(const std::string& ifname) { return links_.at(ifname); }
    bool hasLink(const std::string& ifname) const { return links_.count(ifname) != 0; }

    Result<net::LinkInfo> link(const std::string& ifname) override {
        calls_.push_back("link " + ifname);
        if (auto e = takeFailure()) return *e;
        auto l = find(ifname, "reading link " + ifname);
        if (!l) return l.error();
        return l.value()->info;
    }

    Result<void> addAddress(const std::string& ifname, const IpAddr& vip) override {
        calls_.push_back("addAddress " + ifname + " " + formatIp(vip));
        if (auto e = takeFailure()) return *e;
        auto l = find(ifname, "adding " + formatIp(vip) + " to " + ifname);
        if (!l) return l.error();
        auto& a = l.value()->addresses;
        if (std::find(a.begin(), a.end(), vip) == a.end()) a.push_back(vip);
        return success();
    }

    Result<void> removeAddress(const std::string& ifname, const IpAddr& vip) override {
        calls_.push_back("removeAddress " + ifname + " " + formatIp(vip));
        if (auto e = takeFailure()) return *e;
        auto l = find(ifname, "removing " + formatIp(vip) + " from " + ifname);
        if (!l) return l.error();
        auto& a = l.value()->addresses;
        a.erase(std::remove(a.begin(), a.end(), vip), a.end());
        return success();
    }

    Result<std::vector<IpAddr>> addresses(const std::string& ifname) override {
        calls_.push_back("addresses " + ifname);
        if (auto e = takeFailure()) return *e;
        auto l = find(ifname, "listing the addresses of " + ifname);
        if (!l) return l.error();
        return l.value()->addresses;
    }

    Result<void> addUnicastMac(const std::string& ifname, const Mac& mac) override {
        calls_.push_back("addUnicastMac " + ifname + " " + formatMac(mac));
        if (auto e = takeFailure()) return *e;
        auto l = find(ifname, "adding " + formatMac(mac) + " to the unicast filter of " + ifname);
        if (!l) return l.error();
        Link& k = *l.value();
        if (!k.refusesFdb) {
            k.fdb.insert(mac);
        } else if (!k.promiscMacs.count(mac)) {
            if (k.promiscMacs.empty() && !k.promisc) k.promisc = k.promiscSetByUs = true;
            k.promiscMacs.insert(mac);
        }
        return success();
    }

    Result<void> removeUnicastMac(const std::string& ifname, const Mac& mac) override {
        calls_.push_back("removeUnicastMac " + ifname + " " + formatMac(mac));
        if (auto e = takeFailure()) return *e;
        auto l = find(ifname, "removing " + formatMac(mac) + " from the unicast filter of " + ifname);
        if (!l) return l.error();
        Link& k = *l.value();
        k.fdb.erase(mac);
        if (k.promiscMacs.erase(mac) && k.promiscMacs.empty() && k.promiscSetByUs) k.promisc = k.promiscSetByUs = false;
        return success();
    }

    Result<std::string> setSysctl(const std::string& key, const std::string& value) override {
        calls_.push_back("setSysctl " + key + " " + value);
        if (auto e = takeFailure()) return *e;
        auto it = sysctls_.find(key);
        if (it == sysctls_.end()) return osError(ENOENT, "opening /proc/sys/" + key);
        return std::exchange(it->second, value);
    }

    // Test controls and observations.
    std::optional<Error> failNext;  // the next call (any method) returns it
    std::map<std::string, Link> links_;
    std::map<std::string, std::string> sysctls_;
    std::vector<std::string> calls_;  // "addAddress eth0 198.18.0.100", in order

private:
    std::optional<Error> takeFailure() { return std::exchange(failNext, std::nullopt); }

    Result<Link*> find(const std::string& ifname, const std::string& what) {
        auto it = links_.find(ifname);
        if (it == links_.end()) return osError(ENODEV, what);
        return &it->second;
    }
};

}  // namespace safefarm::test
