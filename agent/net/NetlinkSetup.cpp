#include "net/NetlinkSetup.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <unistd.h>

#include <cstring>

namespace safefarm::net {
namespace {

std::string hostPrefix(const IpAddr& vip) { return formatIp(vip) + (vip.family == AF_INET ? "/32" : "/128"); }

// The link and its raw flags (IFF_PROMISC as set by users, not by tcpdump).
struct RawLink {
    LinkInfo info;
    unsigned flags = 0;
};

Result<RawLink> queryLink(NlSocket& nl, const std::string& ifname) {
    rtnl_link* link = nullptr;
    auto r = nl.run("reading link " + ifname,
                    [&](nl_sock* sk) { return rtnl_link_get_kernel(sk, 0, ifname.c_str(), &link); });
    // libnl reports the kernel's ENODEV as "object not found".
    if (!r) return r.error().code == ENOENT ? osError(ENODEV, "reading link " + ifname) : r.error();
    RawLink out;
    out.flags = rtnl_link_get_flags(link);
    out.info.index = rtnl_link_get_ifindex(link);
    out.info.adminUp = out.flags & IFF_UP;
    out.info.carrier = (out.flags & IFF_LOWER_UP) || rtnl_link_get_operstate(link) == IF_OPER_UP;
    out.info.mtu = rtnl_link_get_mtu(link);
    if (nl_addr* a = rtnl_link_get_addr(link); a && nl_addr_get_len(a) == out.info.mac.size())
        std::memcpy(out.info.mac.data(), nl_addr_get_binary_addr(a), out.info.mac.size());
    rtnl_link_put(link);
    return out;
}

// Sends msg (freed) and waits for the kernel's ack.
int sendSync(nl_sock* sk, nl_msg* msg) { return msg ? nl_send_sync(sk, msg) : -NLE_NOMEM; }

// "net/ipv4/conf/eth0/arp_announce": relative, no "..": it names a sysctl,
// nothing else under /proc.
bool validSysctlKey(const std::string& key) {
    if (key.empty() || key.front() == '/') return false;
    size_t start = 0;
    while (start <= key.size()) {
        size_t end = key.find('/', start);
        if (end == std::string::npos) end = key.size();
        std::string part = key.substr(start, end - start);
        if (part.empty() || part == "." || part == "..") return false;
        start = end + 1;
    }
    return true;
}

}  // namespace

Result<std::unique_ptr<NetlinkSetup>> NetlinkSetup::open() {
    auto sock = NlSocket::open();
    if (!sock) return sock.error();
    return std::unique_ptr<NetlinkSetup>(new NetlinkSetup(std::move(sock.value())));
}

Result<LinkInfo> NetlinkSetup::link(const std::string& ifname) {
    auto l = queryLink(nl_, ifname);
    if (!l) return l.error();
    return l->info;
}

Result<void> NetlinkSetup::changeAddress(int type, const std::string& ifname, const IpAddr& vip) {
    std::string what = (type == RTM_NEWADDR ? "adding " : "removing ") + hostPrefix(vip) +
                       (type == RTM_NEWADDR ? " to " : " from ") + ifname;
    if (vip.family != AF_INET && vip.family != AF_INET6) return badInput(what + ": not an IP address");
    auto l = queryLink(nl_, ifname);
    if (!l) return Error{l.error().code, what + ": " + l.error().context};

    bool v4 = vip.family == AF_INET;
    int len = v4 ? 4 : 16;
    // No prefix route: the VIP is a host address, the node's own subnet
    // routes stay as they are. No DAD: every node holds the same address.
    uint32_t flags = IFA_F_NOPREFIXROUTE | (v4 ? 0 : IFA_F_NODAD);
    ifaddrmsg ifa{};
    ifa.ifa_family = static_cast<uint8_t>(vip.family);
    ifa.ifa_prefixlen = static_cast<uint8_t>(len * 8);
    ifa.ifa_scope = RT_SCOPE_UNIVERSE;
    ifa.ifa_flags = static_cast<uint8_t>(flags);  // the low bits; IFA_FLAGS has them all
    ifa.ifa_index = static_cast<uint32_t>(l->info.index);

    int nlFlags = type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0;
    nl_msg* msg = nlmsg_alloc_simple(type, nlFlags);
    if (msg &&
        (nlmsg_append(msg, &ifa, sizeof ifa, NLMSG_ALIGNTO) < 0 || nla_put(msg, IFA_LOCAL, len, vip.words.data()) < 0 ||
         nla_put(msg, IFA_ADDRESS, len, vip.words.data()) < 0 ||
         (type == RTM_NEWADDR && nla_put_u32(msg, IFA_FLAGS, flags) < 0))) {
        nlmsg_free(msg);
        msg = nullptr;
    }
    auto r = nl_.run(what, [&](nl_sock* sk) { return sendSync(sk, msg); });
    if (!r && type == RTM_NEWADDR && r.error().code == EEXIST) return success();
    if (!r && type == RTM_DELADDR && r.error().code == EADDRNOTAVAIL) return success();
    return r;
}

Result<void> NetlinkSetup::addAddress(const std::string& ifname, const IpAddr& vip) {
    return changeAddress(RTM_NEWADDR, ifname, vip);
}

Result<void> NetlinkSetup::removeAddress(const std::string& ifname, const IpAddr& vip) {
    return changeAddress(RTM_DELADDR, ifname, vip);
}

Result<std::vector<IpAddr>> NetlinkSetup::addresses(const std::string& ifname) {
    auto l = queryLink(nl_, ifname);
    if (!l) return l.error();
    nl_cache* cache = nullptr;
    auto r =
        nl_.run("listing the addresses of " + ifname, [&](nl_sock* sk) { return rtnl_addr_alloc_cache(sk, &cache); });
    if (!r) return r.error();
    std::vector<IpAddr> out;
    for (nl_object* o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
        auto* a = reinterpret_cast<rtnl_addr*>(o);
        nl_addr* local = rtnl_addr_get_local(a);
        if (rtnl_addr_get_ifindex(a) != l->info.index || !local) continue;
        IpAddr ip;
        ip.family = nl_addr_get_family(local);
        size_t len = nl_addr_get_len(local);
        if ((ip.family != AF_INET && ip.family != AF_INET6) || len > sizeof ip.words) continue;
        std::memcpy(ip.words.data(), nl_addr_get_binary_addr(local), len);
        out.push_back(ip);
    }
    nl_cache_free(cache);
    return out;
}

// What `bridge fdb {add,del} MAC dev IF self local` sends: the device's own
// unicast filter, not a bridge's table.
Result<void> NetlinkSetup::changeFdb(int type, const std::string& ifname, const Mac& mac) {
    std::string what = (type == RTM_NEWNEIGH ? "adding " : "removing ") + formatMac(mac) +
                       (type == RTM_NEWNEIGH ? " to the unicast filter of " : " from the unicast filter of ") + ifname;
    auto l = queryLink(nl_, ifname);
    if (!l) return Error{l.error().code, what + ": " + l.error().context};
    ndmsg ndm{};
    ndm.ndm_family = AF_BRIDGE;
    ndm.ndm_ifindex = l->info.index;
    ndm.ndm_state = NUD_PERMANENT;  // the default handler takes static entries only
    ndm.ndm_flags = NTF_SELF;
    // No NLM_F_EXCL: an entry already there (a previous run) is success, and
    // the kernel does not count it twice, so one delete removes it.
    nl_msg* msg = nlmsg_alloc_simple(type, type == RTM_NEWNEIGH ? NLM_F_CREATE : 0);
    if (msg && (nlmsg_append(msg, &ndm, sizeof ndm, NLMSG_ALIGNTO) < 0 ||
                nla_put(msg, NDA_LLADDR, static_cast<int>(mac.size()), mac.data()) < 0)) {
        nlmsg_free(msg);
        msg = nullptr;
    }
    return nl_.run(what, [&](nl_sock* sk) { return sendSync(sk, msg); });
}

Result<void> NetlinkSetup::setPromisc(const std::string& ifname, bool on) {
    std::string what = std::string(on ? "setting" : "clearing") + " promiscuous mode on " + ifname;
    auto l = queryLink(nl_, ifname);
    if (!l) return Error{l.error().code, what + ": " + l.error().context};
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = l->info.index;
    ifi.ifi_flags = on ? IFF_PROMISC : 0;
    ifi.ifi_change = IFF_PROMISC;  // this flag only
    nl_msg* msg = nlmsg_alloc_simple(RTM_SETLINK, 0);
    if (msg && nlmsg_append(msg, &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0) {
        nlmsg_free(msg);
        msg = nullptr;
    }
    return nl_.run(what, [&](nl_sock* sk) { return sendSync(sk, msg); });
}

Result<void> NetlinkSetup::addUnicastMac(const std::string& ifname, const Mac& mac) {
    auto key = std::make_pair(ifname, mac);
    if (unicast_.count(key)) return success();
    auto fdb = changeFdb(RTM_NEWNEIGH, ifname, mac);
    if (fdb) {
        unicast_[key] = UnicastMethod::Fdb;
        return success();
    }
    if (fdb.error().code == ENODEV) return fdb.error();
    // Devices without a unicast filter (or that are not Ethernet) refuse the
    // entry: accept every frame instead.
    Promisc& p = promisc_[ifname];
    if (p.users == 0) {
        auto l = queryLink(nl_, ifname);
        if (!l) return l.error();
        p.setByUs = !(l->flags & IFF_PROMISC);
        if (p.setByUs) {
            if (auto r = setPromisc(ifname, true); !r) {
                promisc_.erase(ifname);
                return Error{r.error().code, r.error().context + " (after " + fdb.error().message() + ")"};
            }
        }
    }
    p.users++;
    unicast_[key] = UnicastMethod::Promisc;
    return success();
}

Result<void> NetlinkSetup::removeUnicastMac(const std::string& ifname, const Mac& mac) {
    auto it = unicast_.find(std::make_pair(ifname, mac));
    if (it == unicast_.end()) {
        // Not added by this process: an entry a previous run left may still be
        // there. Promiscuous mode is not touched: nothing says it was ours.
        auto r = changeFdb(RTM_DELNEIGH, ifname, mac);
        if (!r && (r.error().code == ENOENT || r.error().code == EINVAL || r.error().code == EOPNOTSUPP))
            return success();
        return r;
    }
    if (it->second == UnicastMethod::Fdb) {
        auto r = changeFdb(RTM_DELNEIGH, ifname, mac);
        if (!r && r.error().code != ENOENT) return r;
        unicast_.erase(it);
        return success();
    }
    Promisc& p = promisc_[ifname];
    if (p.users == 1 && p.setByUs) {
        if (auto r = setPromisc(ifname, false); !r) return r;
    }
    unicast_.erase(it);
    if (--p.users <= 0) promisc_.erase(ifname);
    return success();
}

std::optional<UnicastMethod> NetlinkSetup::unicastMethod(const std::string& ifname, const Mac& mac) const {
    auto it = unicast_.find(std::make_pair(ifname, mac));
    if (it == unicast_.end()) return std::nullopt;
    return it->second;
}

// /proc/sys/net is the reading task's network namespace, unlike /sys/class/net.
Result<std::string> NetlinkSetup::setSysctl(const std::string& key, const std::string& value) {
    if (!validSysctlKey(key))
        return badInput("'" + key + "' is not a sysctl key (like net/ipv4/conf/eth0/arp_announce)");
    std::string path = "/proc/sys/" + key;
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return osError(errno, "opening " + path);
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
        int e = errno;
        ::close(fd);
        return osError(e, "reading " + path);
    }
    std::string old(buf, static_cast<size_t>(n));
    while (!old.empty() && old.back() == '\n') old.pop_back();
    ssize_t w = ::pwrite(fd, value.data(), value.size(), 0);
    int e = errno;
    ::close(fd);
    if (w < 0) return osError(e, "writing '" + value + "' to " + path);
    if (static_cast<size_t>(w) != value.size()) return osError(EIO, "writing '" + value + "' to " + path);
    return old;
}

}  // namespace safefarm::net
