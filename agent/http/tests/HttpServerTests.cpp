// The transport on its own: listening errors, the connection cap,
// pipelining, and a command that answers after the server is gone.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>

#include "ApiFixture.h"
#include "TempDir.h"

namespace safefarm::http::test {
namespace {

using namespace std::chrono_literals;

// A raw loopback connection the test holds open, reads bounded to 3 s.
int connectTo(uint16_t port) {
    int fd = connectLoopback(port);
    EXPECT_GE(fd, 0);
    timeval tv{3, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

HttpOptions loopback() {
    HttpOptions o;
    o.address = "127.0.0.1";
    o.port = 0;
    o.usersFile = "";
    o.webRoot = "";
    return o;
}

TEST(HttpServerListen, BusyPortAndBadAddressAreErrors) {
    boost::asio::io_context io;
    control::CommandRegistry registry;
    HttpServer first(io, registry, loopback());
    ASSERT_TRUE(first.start().ok());
    auto o = loopback();
    o.port = first.port();
    HttpServer second(io, registry, o);
    auto r = second.start();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, EADDRINUSE);
    EXPECT_NE(r.error().message().find("listening on 127.0.0.1 port"), std::string::npos) << r.error().message();
    o.address = "not-an-address";
    HttpServer third(io, registry, o);
    EXPECT_FALSE(third.start().ok());
}

TEST(HttpServerListen, MalformedUsersFileFailsStart) {
    safefarm::test::TempDir dir("safefarm-users");
    std::ofstream(dir.path() / "users.json") << "{\"users\": 5}";
    boost::asio::io_context io;
    control::CommandRegistry registry;
    auto o = loopback();
    o.usersFile = (dir.path() / "users.json").string();
    HttpServer server(io, registry, o);
    auto r = server.start();
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("users.json"), std::string::npos);
}

class HttpCapTest : public ApiFixture {
protected:
    void adjust(HttpOptions& o) override { o.maxConnections = 2; }
};

TEST_F(HttpCapTest, ConnectionsPastTheCapAreClosedAndTheOthersGoOn) {
    int a = connectTo(server_->port()), b = connectTo(server_->port());
    std::this_thread::sleep_for(100ms);  // both accepted
    int c = connectTo(server_->port());
    char byte;
    EXPECT_EQ(::recv(c, &byte, 1, 0), 0) << "the third is closed at once";
    std::string req = "GET /var/modules/farm/ready.txt HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(::send(a, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
    char buf[512];
    ssize_t n = ::recv(a, buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    EXPECT_TRUE(std::string(buf, n).starts_with("HTTP/1.1 200"));
    ::close(a);
    ::close(b);
    ::close(c);
    std::this_thread::sleep_for(100ms);  // their places are free again
    EXPECT_EQ(client().get("/var/modules/farm/ready.txt").status, 200u);
}

// The API listens on every address by default, the VIPs included: a web
// client of the farm must not reach the operators' API through the VIP.
class HttpVipTest : public ApiFixture {};

TEST_F(HttpVipTest, AConnectionToAVipIsClosedUnanswered) {
    EXPECT_EQ(client().get("/var/modules/farm/ready.txt").status, 200u);
    loopbackIsAVip_ = true;
    auto onVip = client().get("/var/modules/farm/ready.txt");
    EXPECT_EQ(onVip.status, 0u) << onVip.body;
    loopbackIsAVip_ = false;
    EXPECT_EQ(client().get("/var/modules/farm/ready.txt").status, 200u);
}

class HttpPipelineTest : public ApiFixture {};

TEST_F(HttpPipelineTest, PipelinedRequestsAreAnsweredInOrder) {
    auto out = client().raw(
        "GET /var/modules/farm/ready.txt HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /var/modules/other/ready.txt HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /var/modules/farm/ready.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    auto first = out.find("HTTP/1.1 200"), second = out.find("HTTP/1.1 404"), third = out.rfind("HTTP/1.1 200");
    ASSERT_NE(first, std::string::npos) << out;
    ASSERT_NE(second, std::string::npos) << out;
    EXPECT_LT(first, second);
    EXPECT_LT(second, third);
}

TEST(HttpServerLifetime, ACommandAnsweringAfterTheServerIsGoneIsHarmless) {
    boost::asio::io_context io;
    auto work = boost::asio::make_work_guard(io);
    control::CommandRegistry registry;
    std::promise<Responder> held;
    ASSERT_TRUE(registry.add("hold", "answers late", [&](const Request&, Responder r) { held.set_value(r); }).ok());
    safefarm::test::TempDir dir("safefarm-late");
    UserStore users;
    auto key = users.addApiKey("k", Role::Admin);
    ASSERT_TRUE(users.save((dir.path() / "users.json").string()).ok());
    auto o = loopback();
    o.usersFile = (dir.path() / "users.json").string();
    auto server = std::make_unique<HttpServer>(io, registry, o);
    ASSERT_TRUE(server->start().ok());
    std::thread runner([&] { io.run(); });

    auto pending = std::async(std::launch::async, [&, port = server->port()] {
        return TestClient(port).post("/api/v1/commands/hold", "{}", {{"Authorization", "Bearer " + key.value()}});
    });
    Responder respond = held.get_future().get();
    std::promise<void> gone;
    boost::asio::post(io, [&] {
        server.reset();  // closes the connection the command belongs to
        gone.set_value();
    });
    gone.get_future().wait();
    respond(Reply::success("too late"));  // must not touch the server
    EXPECT_EQ(pending.get().status, 0u);  // the client saw its connection close
    respond = nullptr;
    work.reset();
    runner.join();
}

class HttpMetricsAuthTest : public ApiFixture {
protected:
    void adjust(HttpOptions& o) override { o.metricsNeedAuth = true; }
};

TEST_F(HttpMetricsAuthTest, MetricsCanRequireAKey) {
    EXPECT_EQ(client().get("/metrics").status, 401u);
    EXPECT_EQ(client().get("/metrics", {{"Authorization", "Bearer " + keyOf_[Role::Monitor]}}).status, 200u);
    EXPECT_EQ(client().get("/var/modules/farm/ready.txt").status, 200u) << "ready.txt stays open";
}

}  // namespace
}  // namespace safefarm::http::test

namespace safefarm::http::test {
namespace {

class HttpNoHashingTest : public ApiFixture {
protected:
    void adjust(HttpOptions& o) override { o.maxPendingLogins = 0; }
};

TEST_F(HttpNoHashingTest, LoginsPastTheHashingCapWaitTheirTurn) {
    auto l = loginAs(Role::Admin);
    EXPECT_EQ(l.result.status, 429u);
    EXPECT_EQ(l.result.json()["text"], "too many logins at once");
    EXPECT_EQ(l.result.header("retry-after"), "1");
}

}  // namespace
}  // namespace safefarm::http::test
