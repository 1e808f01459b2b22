// A slowloris against the real server on loopback (issue 14): connections
// that send a header one byte at a time, from one address and from 50
// (127.0.0.0/8 is all local), reopened as soon as the server closes them;
// meanwhile the probes a load balancer and Prometheus send (ready.txt and
// /metrics, from 127.0.0.1) must be answered. With one global cap of 256,
// 500 slow connections took every place and the probes were refused.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <thread>

#include "ApiFixture.h"

namespace safefarm::http::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Holds `count` connections spread over `sources`, each sending its header
// a byte at a time, and reopens every one the server closes, until destroyed.
class Slowloris {
public:
    Slowloris(uint16_t port, std::vector<std::string> sources, size_t count)
        : port_(port), sources_(std::move(sources)), fds_(count, -1) {
        thread_ = std::thread([this] { run(); });
    }
    ~Slowloris() {
        stop_ = true;
        thread_.join();
        for (int fd : fds_)
            if (fd >= 0) ::close(fd);
    }
    uint64_t opened() const { return opened_; }

private:
    int open(size_t i) {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_in from{};
        from.sin_family = AF_INET;
        ::inet_pton(AF_INET, sources_[i % sources_.size()].c_str(), &from.sin_addr);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(port_);
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
            (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0 && errno != EINPROGRESS)) {
            ::close(fd);
            return -1;
        }
        opened_++;
        return fd;
    }
    void run() {
        static const std::string head = "GET /var/modules/farm/ready.txt HTTP/1.1\r\nHost: x\r\nX-Slow: ";
        std::vector<size_t> sent(fds_.size(), 0);
        while (!stop_) {
            for (size_t i = 0; i < fds_.size() && !stop_; i++) {
                int& fd = fds_[i];
                char byte;
                if (fd >= 0) {
                    ssize_t r = ::recv(fd, &byte, 1, MSG_DONTWAIT);
                    if (r == 0 || (r < 0 && errno != EAGAIN && errno != ENOTCONN)) {
                        ::close(fd);
                        fd = -1;
                    }
                }
                if (fd < 0) {
                    fd = open(i);
                    sent[i] = 0;
                    continue;
                }
                char next = sent[i] < head.size() ? head[sent[i]] : 'a';
                if (::send(fd, &next, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1) sent[i]++;
            }
            std::this_thread::sleep_for(200ms);
        }
    }

    uint16_t port_;
    std::vector<std::string> sources_;
    std::vector<int> fds_;
    std::atomic<bool> stop_{false};
    std::atomic<uint64_t> opened_{0};
    std::thread thread_;
};

class HttpSlowlorisTest : public ApiFixture {
protected:
    void SetUp() override {
        // 500 attacking ends, up to 256 accepted ends, the probes: past the usual 1024.
        rlimit r{};
        ::getrlimit(RLIMIT_NOFILE, &r);
        r.rlim_cur = std::min<rlim_t>(r.rlim_max, 8192);
        ::setrlimit(RLIMIT_NOFILE, &r);
        ApiFixture::SetUp();
    }

    // One probe of a load balancer or Prometheus: answered 200 within a second.
    bool probe(const std::string& target) {
        auto out = client().raw("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 1000ms);
        return out.starts_with("HTTP/1.1 200");
    }

    // Probes ready.txt and /metrics in turn for `probes` times, 250 ms apart, under the attack.
    void underAttack(const std::vector<std::string>& sources, const char* label) {
        Slowloris attack(server_->port(), sources, 500);
        std::this_thread::sleep_for(1500ms);  // every connection open and trickling
        int answered = 0, probes = 24;
        for (int i = 0; i < probes; i++) {
            answered += probe(i % 2 ? "/metrics" : "/var/modules/farm/ready.txt");
            std::this_thread::sleep_for(250ms);
        }
        std::cout << "slowloris of 500 connections from " << label << ": " << answered << " of " << probes
                  << " probes answered (" << attack.opened() << " connections opened by the attacker)\n";
        RecordProperty(std::string("answered_") + label, answered);
        EXPECT_EQ(answered, probes);
    }
};

TEST_F(HttpSlowlorisTest, ProbesAreAnsweredWhileOneAddressHoldsFiveHundredSlowConnections) {
    underAttack({"127.0.0.2"}, "one_address");
}

TEST_F(HttpSlowlorisTest, ProbesAreAnsweredWhileFiftyAddressesHoldFiveHundredSlowConnections) {
    std::vector<std::string> sources;
    for (int i = 1; i <= 50; i++) sources.push_back("127.0.1." + std::to_string(i));
    underAttack(sources, "50_addresses");
}

// After a `Connection: close` answer the server reads and drops what the
// client still sends, for a while: that while used to restart at every
// byte, so a client trickling bytes kept its place forever.
TEST_F(HttpSlowlorisTest, TricklingAfterTheAnswerDoesNotKeepTheConnection) {
    int fd = connectLoopback(server_->port());
    ASSERT_GE(fd, 0);
    std::string req = "GET /var/modules/farm/ready.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    ASSERT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
    auto start = Clock::now();
    bool closed = false;
    char buf[4096];
    // The server's FIN comes right after the answer (recv says 0); the
    // place is given back only when it closes: then a send is reset.
    while (!closed && Clock::now() - start < 8s) {
        if (::send(fd, "x", 1, MSG_NOSIGNAL) != 1) closed = true;
        std::this_thread::sleep_for(300ms);
        for (ssize_t n; !closed && (n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT)) != 0;) {
            if (n < 0 && errno != EAGAIN) closed = true;
            if (n < 0) break;
        }
    }
    auto held = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    ::close(fd);
    EXPECT_TRUE(closed) << "still open after " << held.count() << " ms of trickling";
    EXPECT_LT(held, 4s);
}

class HttpHeaderDeadlineTest : public ApiFixture {
protected:
    void adjust(HttpOptions& o) override { o.headerTimeout = std::chrono::seconds(1); }
};

TEST_F(HttpHeaderDeadlineTest, AHeaderSentAByteAtATimeIsCutAtItsDeadline) {
    int fd = connectLoopback(server_->port());
    ASSERT_GE(fd, 0);
    std::string head = "GET /var/modules/farm/ready.txt HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaa";
    auto start = Clock::now();
    bool closed = false;
    for (size_t i = 0; i < head.size() && !closed; i++) {
        if (::send(fd, &head[i], 1, MSG_NOSIGNAL) != 1) closed = true;
        std::this_thread::sleep_for(100ms);
        char byte;
        ssize_t n = ::recv(fd, &byte, 1, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN)) closed = true;
    }
    auto held = Clock::now() - start;
    ::close(fd);
    EXPECT_TRUE(closed);
    EXPECT_LT(held, 3s);
}

}  // namespace
}  // namespace safefarm::http::test
