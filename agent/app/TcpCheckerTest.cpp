#include "app/TcpChecker.h"

#include <gtest/gtest.h>

#include "app/AppTestHelpers.h"

namespace safefarm::app {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using asio::ip::tcp;

const auto kLoopback = asio::ip::make_address("127.0.0.1");

struct Recorder {
    std::vector<CheckVerdict> verdicts;
    VerdictHandler handler() {
        return [this](const CheckVerdict& v) { verdicts.push_back(v); };
    }
};

TEST(CheckerTcp, OkWhenTheServiceAccepts) {
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(kLoopback, 0));
    Recorder r;
    TcpChecker c(io, "web", acceptor.local_endpoint(), {20ms, 500ms}, r.handler());
    c.start();
    EXPECT_TRUE(r.verdicts.empty());  // not from within start()
    ASSERT_TRUE(testing::runUntil(io, [&] { return !r.verdicts.empty(); }));
    EXPECT_TRUE(r.verdicts[0].ok) << r.verdicts[0].detail;
    EXPECT_EQ(r.verdicts[0].ident, "web");
    EXPECT_NE(r.verdicts[0].detail.find("127.0.0.1:"), std::string::npos);
}

TEST(CheckerTcp, FailsWhenRefused) {
    asio::io_context io;
    tcp::endpoint closed;
    {
        tcp::acceptor a(io, tcp::endpoint(kLoopback, 0));
        closed = a.local_endpoint();
    }
    Recorder r;
    TcpChecker c(io, "web", closed, {20ms, 500ms}, r.handler());
    c.start();
    ASSERT_TRUE(testing::runUntil(io, [&] { return !r.verdicts.empty(); }));
    EXPECT_FALSE(r.verdicts[0].ok);
    EXPECT_NE(r.verdicts[0].detail.find("refused"), std::string::npos) << r.verdicts[0].detail;
}

TEST(CheckerTcp, FailsOnTimeout) {
    asio::io_context io;
    // A listener whose accept queue is full drops new SYNs: connects hang.
    tcp::acceptor acceptor(io, tcp::endpoint(kLoopback, 0));
    acceptor.listen(0);
    std::vector<std::unique_ptr<tcp::socket>> fillers;
    for (int i = 0; i < 3; i++) {
        fillers.push_back(std::make_unique<tcp::socket>(io));
        fillers.back()->async_connect(acceptor.local_endpoint(), [](boost::system::error_code) {});
    }
    testing::runFor(io, 50ms);
    Recorder r;
    TcpChecker c(io, "web", acceptor.local_endpoint(), {1s, 50ms}, r.handler());
    auto start = std::chrono::steady_clock::now();
    c.start();
    ASSERT_TRUE(testing::runUntil(io, [&] { return !r.verdicts.empty(); }));
    EXPECT_FALSE(r.verdicts[0].ok);
    EXPECT_EQ(r.verdicts[0].detail, "no answer within 50ms");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
}

TEST(CheckerTcp, ChecksEveryIntervalUntilStopped) {
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(kLoopback, 0));
    Recorder r;
    TcpChecker c(io, "web", acceptor.local_endpoint(), {20ms, 500ms}, r.handler());
    c.start();
    testing::runFor(io, 210ms);
    // About 11 checks (one at once, then every 20ms); generous bounds for a loaded machine.
    EXPECT_GE(r.verdicts.size(), 4u);
    EXPECT_LE(r.verdicts.size(), 12u);
    c.stop();
    size_t n = r.verdicts.size();
    testing::runFor(io, 60ms);
    EXPECT_EQ(r.verdicts.size(), n);
}

TEST(CheckerTcp, StopFromTheVerdictHandlerEndsIt) {
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(kLoopback, 0));
    int n = 0;
    std::unique_ptr<TcpChecker> c;
    c = std::make_unique<TcpChecker>(io, "web", acceptor.local_endpoint(), CheckTiming{10ms, 500ms},
                                     [&](const CheckVerdict&) {
                                         n++;
                                         c->stop();
                                     });
    c->start();
    testing::runFor(io, 60ms);
    EXPECT_EQ(n, 1);
}

TEST(CheckerTcp, DestroyedWhileConnectingIsSilent) {
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(kLoopback, 0));
    int n = 0;
    {
        TcpChecker c(io, "web", acceptor.local_endpoint(), {10ms, 500ms}, [&](const CheckVerdict&) { n++; });
        c.start();
        io.poll_one();  // the first probe is on its way
    }
    testing::runFor(io, 30ms);
    EXPECT_EQ(n, 0);
}

}  // namespace
}  // namespace safefarm::app
