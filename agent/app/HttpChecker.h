// <http>: GET the URL; the service is well when the answer is 200 and its
// body holds the expected text (ldirectord's "negotiate" check), or any 2xx
// when no text is expected (docs/userconfig.md).
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <string>
#include <string_view>

#include "app/PeriodicChecker.h"
#include "common/Result.h"

namespace safefarm::app {

struct HttpTarget {
    boost::asio::ip::tcp::endpoint endpoint;
    std::string host;    // the Host header, as written in the URL
    std::string target;  // "/path?query"
};

// http://addr[:port][/path]. The host is an IP address (IPv6 in brackets) or
// "localhost": the agent does no DNS, so a checker never fails because a
// name server does, and Asio's resolver would need a thread.
Result<HttpTarget> parseHttpUrl(std::string_view url);

class HttpChecker : public PeriodicChecker {
public:
    HttpChecker(boost::asio::io_context& io, std::string ident, HttpTarget target, std::string expect,
                CheckTiming timing, VerdictHandler onVerdict);
    ~HttpChecker() override { abort(); }

private:
    struct Exchange;

    void probe(Finish finish) override;
    void abort() override;

    HttpTarget target_;
    std::string expect_;
    std::shared_ptr<Exchange> exchange_;  // the probe in flight
};

}  // namespace safefarm::app
