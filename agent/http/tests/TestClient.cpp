#include "TestClient.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <algorithm>
#include <cctype>

namespace safefarm::http::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTimeout = std::chrono::seconds(10);

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// One request/response on an open stream; runs `io` until it is done.
template <class Stream>
HttpResult exchange(asio::io_context& io, Stream& stream, beast::flat_buffer& buffer, const HttpCall& c) {
    bhttp::request<bhttp::string_body> req{c.method, c.target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    for (const auto& [name, value] : c.headers) req.set(name, value);
    req.body() = c.body;
    if (!c.body.empty() || c.method == bhttp::verb::post) req.prepare_payload();
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64u << 20);
    if (c.method == bhttp::verb::head) parser.skip(true);

    HttpResult out;
    beast::get_lowest_layer(stream).expires_after(kTimeout);
    bhttp::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
        if (ec) {
            out.error = "write: " + ec.message();
            return;
        }
        bhttp::async_read(stream, buffer, parser, [&](beast::error_code e, std::size_t) {
            if (e) {
                out.error = "read: " + e.message();
                return;
            }
            auto& res = parser.get();
            out.status = res.result_int();
            out.body = res.body();
            for (const auto& f : res) out.headers[lower(std::string(f.name_string()))] = std::string(f.value());
        });
    });
    io.restart();
    io.run();
    return out;
}

template <class Stream>
std::string connect(asio::io_context& io, Stream& stream, uint16_t port) {
    std::string error;
    auto& lowest = beast::get_lowest_layer(stream);
    lowest.expires_after(kTimeout);
    lowest.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), [&](beast::error_code ec) {
        if (ec) {
            error = "connect: " + ec.message();
            return;
        }
        if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
            stream.async_handshake(asio::ssl::stream_base::client, [&](beast::error_code e) {
                if (e) error = "handshake: " + e.message();
            });
        }
    });
    io.restart();
    io.run();
    return error;
}

template <class Stream, class... Args>
std::vector<HttpResult> run(uint16_t port, const std::vector<HttpCall>& calls, Args&&... args) {
    asio::io_context io;
    Stream stream(io, std::forward<Args>(args)...);
    std::vector<HttpResult> out;
    if (auto e = connect(io, stream, port); !e.empty()) {
        out.push_back(HttpResult{0, e, {}, {}});
        return out;
    }
    beast::flat_buffer buffer;
    for (const auto& c : calls) {
        out.push_back(exchange(io, stream, buffer, c));
        if (out.back().status == 0) break;
    }
    return out;
}

}  // namespace

TestClient::TestClient(uint16_t port, std::shared_ptr<asio::ssl::context> tls) : port_(port), tls_(std::move(tls)) {}

std::vector<HttpResult> TestClient::callKeepAlive(const std::vector<HttpCall>& calls) {
    if (tls_) return run<beast::ssl_stream<beast::tcp_stream>>(port_, calls, *tls_);
    return run<beast::tcp_stream>(port_, calls);
}

HttpResult TestClient::call(const HttpCall& c) { return callKeepAlive({c}).front(); }

HttpResult TestClient::get(const std::string& target, std::vector<std::pair<std::string, std::string>> headers) {
    return call(HttpCall{bhttp::verb::get, target, "", std::move(headers)});
}

HttpResult TestClient::post(const std::string& target, const std::string& body,
                            std::vector<std::pair<std::string, std::string>> headers) {
    return call(HttpCall{bhttp::verb::post, target, body, std::move(headers)});
}

int connectLoopback(uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0) return fd;
    ::close(fd);
    return -1;
}

std::string TestClient::raw(const std::string& bytes, std::chrono::milliseconds wait) {
    asio::io_context io;
    beast::tcp_stream stream(io);
    if (!connect(io, stream, port_).empty()) return {};
    std::string in;
    std::array<char, 4096> buf{};
    stream.expires_after(wait);
    std::function<void()> readMore = [&] {
        stream.async_read_some(asio::buffer(buf), [&](beast::error_code ec, std::size_t n) {
            in.append(buf.data(), n);
            if (!ec) readMore();
        });
    };
    asio::async_write(stream, asio::buffer(bytes), [&](beast::error_code, std::size_t) {});
    readMore();
    io.restart();
    io.run();
    return in;
}

}  // namespace safefarm::http::test
