#include "app/IpChecker.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace safefarm::app {

Result<std::optional<std::string>> interfaceWithAddress(const IpAddr& addr) {
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return osError(errno, "listing the addresses of this node");
    std::optional<std::string> found;
    for (ifaddrs* i = list; i && !found; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != addr.family) continue;
        bool same = false;
        if (addr.family == AF_INET)
            same = reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr == addr.words[0];
        else if (addr.family == AF_INET6)
            same =
                std::memcmp(&reinterpret_cast<const sockaddr_in6*>(i->ifa_addr)->sin6_addr, addr.words.data(), 16) == 0;
        if (same) found = i->ifa_name;
    }
    ::freeifaddrs(list);
    return found;
}

IpChecker::IpChecker(boost::asio::io_context& io, std::string ident, IpAddr addr, CheckTiming timing,
                     VerdictHandler onVerdict)
    : PeriodicChecker(io, std::move(ident), timing, std::move(onVerdict)), addr_(addr) {}

void IpChecker::probe(Finish finish) {
    auto where = interfaceWithAddress(addr_);
    if (!where) return finish(false, where.error().message());
    if (!where.value()) return finish(false, formatIp(addr_) + " is not configured on this node");
    finish(true, formatIp(addr_) + " is on " + *where.value());
}

}  // namespace safefarm::app
