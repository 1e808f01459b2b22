// <ping>: the witness answers ICMP echo (DESIGN §5: a node that cannot reach
// it steps down). An unprivileged "ping socket" (SOCK_DGRAM, IPPROTO_ICMP or
// ICMPV6) when net.ipv4.ping_group_range allows it, else SOCK_RAW (root).
// Within one probe the echo is repeated every third of the timeout, so one
// lost packet does not make the node step down.
#pragma once

#include <memory>

#include "app/PeriodicChecker.h"
#include "common/NetAddr.h"

namespace safefarm::app {

class PingChecker : public PeriodicChecker {
public:
    PingChecker(boost::asio::io_context& io, std::string ident, IpAddr to, CheckTiming timing,
                VerdictHandler onVerdict);
    ~PingChecker() override { abort(); }

private:
    struct Echo;

    void probe(Finish finish) override;
    void abort() override;

    IpAddr to_;
    uint16_t seq_ = 0;
    std::shared_ptr<Echo> echo_;  // the probe in flight
};

}  // namespace safefarm::app
