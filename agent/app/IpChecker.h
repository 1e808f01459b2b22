// <ip>: the address is configured on an interface of this node (of the
// agent's network namespace: getifaddrs asks netlink there).
#pragma once

#include <optional>
#include <string>

#include "app/PeriodicChecker.h"
#include "common/NetAddr.h"
#include "common/Result.h"

namespace safefarm::app {

// The interface holding `addr`, nullopt when none does.
Result<std::optional<std::string>> interfaceWithAddress(const IpAddr& addr);

class IpChecker : public PeriodicChecker {
public:
    IpChecker(boost::asio::io_context& io, std::string ident, IpAddr addr, CheckTiming timing,
              VerdictHandler onVerdict);

private:
    void probe(Finish finish) override;

    IpAddr addr_;
};

}  // namespace safefarm::app
