#include "app/HttpChecker.h"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <charconv>

namespace safefarm::app {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

namespace {

constexpr uint64_t kBodyLimit = 1 << 20;  // a health page, not a download

}  // namespace

Result<HttpTarget> parseHttpUrl(std::string_view url) {
    constexpr std::string_view scheme = "http://";
    if (!url.starts_with(scheme)) return badInput("url '" + std::string(url) + "': expected http://addr[:port]/path");
    std::string_view rest = url.substr(scheme.size());
    size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    HttpTarget t;
    t.host = std::string(authority);
    t.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));

    std::string_view host = authority, port;
    if (authority.starts_with("[")) {
        size_t close = authority.find(']');
        if (close == std::string_view::npos) return badInput("url '" + std::string(url) + "': unclosed '['");
        host = authority.substr(1, close - 1);
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') return badInput("url '" + std::string(url) + "': expected ':' after ']'");
            port = authority.substr(close + 2);
        }
    } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    uint16_t portNumber = 80;
    if (!port.empty()) {
        auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), portNumber);
        if (ec != std::errc() || end != port.data() + port.size() || portNumber == 0)
            return badInput("url '" + std::string(url) + "': bad port '" + std::string(port) + "'");
    }
    boost::system::error_code ec;
    auto addr = host == "localhost" ? asio::ip::address(asio::ip::address_v4::loopback())
                                    : asio::ip::make_address(std::string(host), ec);
    if (ec)
        return badInput("url '" + std::string(url) + "': '" + std::string(host) +
                        "' is not an IP address (the agent does no DNS)");
    t.endpoint = tcp::endpoint(addr, portNumber);
    return t;
}

// One GET: connect, send, read the answer, judge it. Handlers hold it by
// shared_ptr; closing the socket ends them.
struct HttpChecker::Exchange : std::enable_shared_from_this<Exchange> {
    Exchange(asio::io_context& io, const HttpTarget& target, std::string expect, Finish done)
        : socket(io),
          where("GET http://" + target.host + target.target),
          expect(std::move(expect)),
          finish(std::move(done)) {
        request = {http::verb::get, target.target, 11};
        request.set(http::field::host, target.host);
        request.set(http::field::user_agent, "safefarm-check");
        request.set(http::field::connection, "close");
        parser.body_limit(kBodyLimit);
    }

    void fail(const char* step, boost::system::error_code ec) {
        close();
        finish(false, where + ": " + step + ": " + ec.message());
    }

    void close() {
        boost::system::error_code ignored;
        socket.close(ignored);
    }

    void connect(const tcp::endpoint& to) {
        socket.async_connect(to, [self = shared_from_this()](boost::system::error_code ec) {
            if (ec) return self->fail("connect", ec);
            self->send();
        });
    }

    void send() {
        http::async_write(socket, request, [self = shared_from_this()](boost::system::error_code ec, size_t) {
            if (ec) return self->fail("send", ec);
            self->read();
        });
    }

    void read() {
        http::async_read(socket, buffer, parser, [self = shared_from_this()](boost::system::error_code ec, size_t) {
            if (ec) return self->fail("answer", ec);
            self->close();
            self->judge();
        });
    }

    void judge() {
        const auto& res = parser.get();
        unsigned status = res.result_int();
        std::string got = where + ": " + std::to_string(status);
        if (expect.empty()) return finish(status / 100 == 2, got);
        if (status != 200) return finish(false, got + ", expected 200");
        if (res.body().find(expect) == std::string::npos)
            return finish(false, got + ", no '" + expect + "' in the answer");
        finish(true, got + ", found '" + expect + "'");
    }

    tcp::socket socket;
    std::string where;
    std::string expect;
    Finish finish;
    http::request<http::empty_body> request;
    boost::beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
};

HttpChecker::HttpChecker(asio::io_context& io, std::string ident, HttpTarget target, std::string expect,
                         CheckTiming timing, VerdictHandler onVerdict)
    : PeriodicChecker(io, std::move(ident), timing, std::move(onVerdict)),
      target_(std::move(target)),
      expect_(std::move(expect)) {}

void HttpChecker::probe(Finish finish) {
    exchange_ = std::make_shared<Exchange>(io_, target_, expect_, std::move(finish));
    exchange_->connect(target_.endpoint);
}

void HttpChecker::abort() {
    if (!exchange_) return;
    exchange_->close();
    exchange_.reset();
}

}  // namespace safefarm::app
