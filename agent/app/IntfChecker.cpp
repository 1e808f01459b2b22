#include "app/IntfChecker.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace safefarm::app {

Result<LinkFlags> linkFlags(const std::string& name) {
    if (name.empty() || name.size() >= IFNAMSIZ) return badInput("interface name '" + name + "' is not valid");
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return osError(errno, "opening a socket to query " + name);
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, name.data(), name.size());
    int rc = ::ioctl(fd, SIOCGIFFLAGS, &ifr);
    int err = errno;
    ::close(fd);
    if (rc != 0) return osError(err, "reading the flags of " + name);
    return LinkFlags{(ifr.ifr_flags & IFF_UP) != 0, (ifr.ifr_flags & IFF_RUNNING) != 0};
}

IntfChecker::IntfChecker(boost::asio::io_context& io, std::string ident, std::string interface, CheckTiming timing,
                         VerdictHandler onVerdict)
    : PeriodicChecker(io, std::move(ident), timing, std::move(onVerdict)), interface_(std::move(interface)) {}

void IntfChecker::probe(Finish finish) {
    auto flags = linkFlags(interface_);
    if (!flags) return finish(false, flags.error().message());
    if (!flags->up) return finish(false, interface_ + " is down");
    if (!flags->running) return finish(false, interface_ + " has no carrier");
    finish(true, interface_ + " is up");
}

}  // namespace safefarm::app
