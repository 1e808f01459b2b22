// <intf>: the interface is up and has carrier (IFF_UP and IFF_RUNNING).
// Asked with ioctl(SIOCGIFFLAGS) on a socket, which answers for the agent's
// network namespace; /sys/class/net would show the host's devices when the
// agent runs under nsenter (the lab), since sysfs follows the mount.
#pragma once

#include "app/PeriodicChecker.h"
#include "common/Result.h"

namespace safefarm::app {

struct LinkFlags {
    bool up = false;       // IFF_UP: administratively up
    bool running = false;  // IFF_RUNNING: carrier (operational)
};

// The flags of `name` in this network namespace; ENODEV when it does not exist.
Result<LinkFlags> linkFlags(const std::string& name);

class IntfChecker : public PeriodicChecker {
public:
    IntfChecker(boost::asio::io_context& io, std::string ident, std::string interface, CheckTiming timing,
                VerdictHandler onVerdict);

private:
    void probe(Finish finish) override;

    std::string interface_;
};

}  // namespace safefarm::app
