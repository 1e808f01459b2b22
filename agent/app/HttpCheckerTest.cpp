#include "app/HttpChecker.h"

#include <gtest/gtest.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include "app/AppTestHelpers.h"

namespace safefarm::app {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using asio::ip::tcp;

// A one-answer HTTP server on 127.0.0.1: reads a request head, sends the
// canned response and closes; with no response, it never answers.
class MiniHttp {
public:
    MiniHttp(asio::io_context& io, std::string response)
        : acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), response_(std::move(response)) {
        accept();
    }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + path;
    }
    std::string lastRequest;

private:
    struct Conn {
        explicit Conn(asio::io_context& io) : socket(io) {}
        tcp::socket socket;
        asio::streambuf in;
    };
    void accept() {
        auto c = std::make_shared<Conn>(static_cast<asio::io_context&>(acceptor_.get_executor().context()));
        acceptor_.async_accept(c->socket, [this, c](boost::system::error_code ec) {
            if (ec) return;
            held_.push_back(c);
            asio::async_read_until(c->socket, c->in, "\r\n\r\n", [this, c](boost::system::error_code ec, size_t n) {
                if (ec) return;
                lastRequest.assign(asio::buffers_begin(c->in.data()), asio::buffers_begin(c->in.data()) + n);
                if (response_.empty()) return;  // hang
                asio::async_write(c->socket, asio::buffer(response_), [c](boost::system::error_code, size_t) {
                    boost::system::error_code ignored;
                    c->socket.shutdown(tcp::socket::shutdown_both, ignored);
                    c->socket.close(ignored);
                });
            });
            accept();
        });
    }
    tcp::acceptor acceptor_;
    std::string response_;
    std::vector<std::shared_ptr<Conn>> held_;
};

std::string answer(const std::string& status, const std::string& body) {
    return "HTTP/1.1 " + status + "\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
}

CheckVerdict checkOnce(asio::io_context& io, const std::string& url, const std::string& expect,
                       std::chrono::milliseconds timeout = 1s) {
    auto target = parseHttpUrl(url);
    EXPECT_TRUE(target.ok()) << target.error().message();
    std::optional<CheckVerdict> v;
    HttpChecker c(io, "http", target.value(), expect, {1s, timeout}, [&](const CheckVerdict& x) { v = x; });
    c.start();
    EXPECT_TRUE(testing::runUntil(io, [&] { return v.has_value(); }));
    return v.value_or(CheckVerdict{});
}

TEST(CheckerHttp, OkWhen200AndTheTextIsThere) {
    asio::io_context io;
    MiniHttp server(io, answer("200 OK", "<html>status: all good</html>"));
    auto v = checkOnce(io, server.url("/health?x=1"), "all good");
    EXPECT_TRUE(v.ok) << v.detail;
    EXPECT_NE(server.lastRequest.find("GET /health?x=1 HTTP/1.1\r\n"), std::string::npos) << server.lastRequest;
    EXPECT_NE(server.lastRequest.find("Host: 127.0.0.1:"), std::string::npos) << server.lastRequest;
}

TEST(CheckerHttp, FailsOnTheWrongText) {
    asio::io_context io;
    MiniHttp server(io, answer("200 OK", "maintenance"));
    auto v = checkOnce(io, server.url("/"), "all good");
    EXPECT_FALSE(v.ok);
    EXPECT_NE(v.detail.find("no 'all good' in the answer"), std::string::npos) << v.detail;
}

TEST(CheckerHttp, FailsOnAnErrorStatusEvenWithTheText) {
    asio::io_context io;
    MiniHttp server(io, answer("500 Internal Server Error", "all good"));
    auto v = checkOnce(io, server.url("/"), "all good");
    EXPECT_FALSE(v.ok);
    EXPECT_NE(v.detail.find("500"), std::string::npos) << v.detail;
}

TEST(CheckerHttp, WithoutExpectedTextAny2xxIsOk) {
    asio::io_context io;
    MiniHttp ok(io, answer("204 No Content", ""));
    EXPECT_TRUE(checkOnce(io, ok.url("/"), "").ok);
    MiniHttp notFound(io, answer("404 Not Found", "all good"));
    EXPECT_FALSE(checkOnce(io, notFound.url("/"), "").ok);
}

TEST(CheckerHttp, FailsWhenRefused) {
    asio::io_context io;
    std::string url;
    {
        MiniHttp gone(io, "");
        url = gone.url("/");
    }
    auto v = checkOnce(io, url, "x");
    EXPECT_FALSE(v.ok);
    EXPECT_NE(v.detail.find("connect"), std::string::npos) << v.detail;
}

TEST(CheckerHttp, FailsWhenNoAnswerComesInTime) {
    asio::io_context io;
    MiniHttp silent(io, "");
    auto v = checkOnce(io, silent.url("/"), "x", 50ms);
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.detail, "no answer within 50ms");
}

TEST(CheckerHttp, ParsesUrls) {
    auto a = parseHttpUrl("http://192.168.1.10:8080/a/b?c");
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->endpoint.address().to_string(), "192.168.1.10");
    EXPECT_EQ(a->endpoint.port(), 8080);
    EXPECT_EQ(a->host, "192.168.1.10:8080");
    EXPECT_EQ(a->target, "/a/b?c");
    auto b = parseHttpUrl("http://[::1]/");
    ASSERT_TRUE(b.ok());
    EXPECT_TRUE(b->endpoint.address().is_v6());
    EXPECT_EQ(b->endpoint.port(), 80);
    auto c = parseHttpUrl("http://localhost");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->endpoint.address().to_string(), "127.0.0.1");
    EXPECT_EQ(c->target, "/");
    EXPECT_FALSE(parseHttpUrl("https://127.0.0.1/").ok());
    EXPECT_FALSE(parseHttpUrl("http://www.example.com/").ok());
    EXPECT_FALSE(parseHttpUrl("http://127.0.0.1:0/").ok());
    EXPECT_FALSE(parseHttpUrl("http://127.0.0.1:99999/").ok());
    EXPECT_FALSE(parseHttpUrl("http://[::1/").ok());
}

}  // namespace
}  // namespace safefarm::app
