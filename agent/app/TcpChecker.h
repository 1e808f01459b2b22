// <tcp>: the service accepts a TCP connection on addr:port within the timeout.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <memory>

#include "app/PeriodicChecker.h"

namespace safefarm::app {

class TcpChecker : public PeriodicChecker {
public:
    TcpChecker(boost::asio::io_context& io, std::string ident, boost::asio::ip::tcp::endpoint to, CheckTiming timing,
               VerdictHandler onVerdict);
    ~TcpChecker() override { abort(); }

private:
    void probe(Finish finish) override;
    void abort() override;

    boost::asio::ip::tcp::endpoint to_;
    std::shared_ptr<boost::asio::ip::tcp::socket> socket_;  // the probe in flight
};

// "127.0.0.1:80", "[::1]:80"
std::string formatEndpoint(const boost::asio::ip::tcp::endpoint& ep);

}  // namespace safefarm::app
