#include "app/TcpChecker.h"

namespace safefarm::app {

namespace asio = boost::asio;
using asio::ip::tcp;

std::string formatEndpoint(const tcp::endpoint& ep) {
    std::string a = ep.address().to_string();
    if (ep.address().is_v6()) a = "[" + a + "]";
    return a + ":" + std::to_string(ep.port());
}

TcpChecker::TcpChecker(asio::io_context& io, std::string ident, tcp::endpoint to, CheckTiming timing,
                       VerdictHandler onVerdict)
    : PeriodicChecker(io, std::move(ident), timing, std::move(onVerdict)), to_(to) {}

void TcpChecker::probe(Finish finish) {
    auto socket = std::make_shared<tcp::socket>(io_);
    socket_ = socket;
    socket->async_connect(to_, [socket, finish, where = formatEndpoint(to_)](boost::system::error_code ec) {
        boost::system::error_code ignored;
        socket->close(ignored);
        if (ec)
            finish(false, "connect to " + where + ": " + ec.message());
        else
            finish(true, "connected to " + where);
    });
}

void TcpChecker::abort() {
    if (!socket_) return;
    boost::system::error_code ignored;
    socket_->close(ignored);
    socket_.reset();
}

}  // namespace safefarm::app
