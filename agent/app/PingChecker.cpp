#include "app/PingChecker.h"

#include <boost/asio/posix/stream_descriptor.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstring>

namespace safefarm::app {

namespace asio = boost::asio;

namespace {

constexpr uint8_t kEchoRequest4 = 8, kEchoReply4 = 0;
constexpr uint8_t kEchoRequest6 = 128, kEchoReply6 = 129;
constexpr size_t kHeader = 8, kTokenSize = 8;

struct IcmpSocket {
    int fd;
    bool raw;  // raw IPv4 sockets receive the IP header too
};

Result<IcmpSocket> openIcmp(int family) {
    int proto = family == AF_INET ? int{IPPROTO_ICMP} : int{IPPROTO_ICMPV6};
    int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    if (fd >= 0) return IcmpSocket{fd, false};
    int dgramErr = errno;
    fd = ::socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    if (fd >= 0) return IcmpSocket{fd, true};
    return osError(errno, std::string("opening an ICMP socket (ping socket: ") + std::strerror(dgramErr) +
                              "; raw socket needs CAP_NET_RAW)");
}

uint16_t checksum(const uint8_t* p, size_t n) {
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
    if (n & 1) sum += static_cast<uint32_t>(p[n - 1] << 8);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

}  // namespace

// One probe: its socket, the echoes sent, the wait for a reply. Handlers
// hold it by shared_ptr; closing the socket and the timer ends them.
struct PingChecker::Echo : std::enable_shared_from_this<Echo> {
    Echo(asio::io_context& io, IcmpSocket s, const IpAddr& to, std::chrono::nanoseconds resendEvery, Finish done)
        : socket(io, s.fd),
          resend(io),
          raw(s.raw),
          family(to.family),
          where(formatIp(to)),
          resendEvery(resendEvery),
          finish(std::move(done)) {
        if (family == AF_INET) {
            auto* sin = reinterpret_cast<sockaddr_in*>(&dest);
            sin->sin_family = AF_INET;
            sin->sin_addr.s_addr = to.words[0];
            destLen = sizeof *sin;
        } else {
            auto* sin6 = reinterpret_cast<sockaddr_in6*>(&dest);
            sin6->sin6_family = AF_INET6;
            std::memcpy(&sin6->sin6_addr, to.words.data(), 16);
            destLen = sizeof *sin6;
        }
        started = std::chrono::steady_clock::now();
        if (::getrandom(token.data(), token.size(), GRND_NONBLOCK) != static_cast<ssize_t>(token.size()))
            std::memcpy(token.data(), &started, std::min(sizeof started, token.size()));
    }

    void begin(uint16_t seq) {
        firstSeq = nextSeq = seq;
        if (!send()) return;
        receive();
        scheduleResend();
    }

    void close() {
        boost::system::error_code ignored;
        resend.cancel();
        socket.close(ignored);
    }

    // False (and the probe failed) when the echo cannot be sent.
    bool send() {
        std::array<uint8_t, kHeader + kTokenSize> pkt{};
        pkt[0] = family == AF_INET ? kEchoRequest4 : kEchoRequest6;
        // The id is ours on a raw socket; a ping socket replaces it with its own.
        uint16_t id = static_cast<uint16_t>(::getpid());
        pkt[4] = static_cast<uint8_t>(id >> 8);
        pkt[5] = static_cast<uint8_t>(id);
        pkt[6] = static_cast<uint8_t>(nextSeq >> 8);
        pkt[7] = static_cast<uint8_t>(nextSeq);
        std::memcpy(pkt.data() + kHeader, token.data(), kTokenSize);
        if (family == AF_INET) {  // the kernel sums ICMPv6 itself
            uint16_t sum = checksum(pkt.data(), pkt.size());
            pkt[2] = static_cast<uint8_t>(sum >> 8);
            pkt[3] = static_cast<uint8_t>(sum);
        }
        nextSeq++;
        if (::sendto(socket.native_handle(), pkt.data(), pkt.size(), 0, reinterpret_cast<sockaddr*>(&dest), destLen) <
            0) {
            int err = errno;
            close();
            finish(false, osError(err, "sending an echo request to " + where).message());
            return false;
        }
        return true;
    }

    void scheduleResend() {
        resend.expires_after(resendEvery);
        resend.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (ec || !self->socket.is_open()) return;
            if (self->send()) self->scheduleResend();
        });
    }

    void receive() {
        auto self = shared_from_this();
        socket.async_wait(asio::posix::descriptor_base::wait_read, [self](boost::system::error_code ec) {
            if (ec || !self->socket.is_open()) return;  // closed: answered, aborted or timed out
            if (!self->readReplies()) self->receive();
        });
    }

    // Reads until the socket is empty; true (and the probe ok) on our reply.
    bool readReplies() {
        std::array<uint8_t, 1500> buf;
        ssize_t n;
        while ((n = ::recv(socket.native_handle(), buf.data(), buf.size(), 0)) >= 0) {
            if (!isOurs(buf.data(), static_cast<size_t>(n))) continue;
            auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
            close();
            finish(true, "echo reply from " + where + " in " + std::to_string(us.count()) + "us");
            return true;
        }
        return false;  // EAGAIN: nothing more for now
    }

    // An echo reply to one of this probe's requests.
    bool isOurs(const uint8_t* p, size_t n) const {
        if (raw && family == AF_INET) {
            if (n < 20 || n < (p[0] & 0x0f) * 4u) return false;
            size_t ihl = (p[0] & 0x0f) * 4u;
            p += ihl;
            n -= ihl;
        }
        if (n < kHeader + kTokenSize) return false;
        if (p[0] != (family == AF_INET ? kEchoReply4 : kEchoReply6) || p[1] != 0) return false;
        uint16_t seq = static_cast<uint16_t>(p[6] << 8 | p[7]);
        if (static_cast<uint16_t>(seq - firstSeq) >= static_cast<uint16_t>(nextSeq - firstSeq)) return false;
        return std::memcmp(p + kHeader, token.data(), kTokenSize) == 0;
    }

    asio::posix::stream_descriptor socket;
    asio::steady_timer resend;
    bool raw;
    int family;
    std::string where;
    std::chrono::nanoseconds resendEvery;
    Finish finish;
    sockaddr_storage dest{};
    socklen_t destLen = 0;
    std::array<uint8_t, kTokenSize> token{};  // tells our replies from others' on a raw socket
    uint16_t firstSeq = 0, nextSeq = 0;
    std::chrono::steady_clock::time_point started;
};

PingChecker::PingChecker(asio::io_context& io, std::string ident, IpAddr to, CheckTiming timing,
                         VerdictHandler onVerdict)
    : PeriodicChecker(io, std::move(ident), timing, std::move(onVerdict)), to_(to) {}

void PingChecker::probe(Finish finish) {
    auto s = openIcmp(to_.family);
    if (!s) return finish(false, s.error().message());
    auto resendEvery = std::max<std::chrono::nanoseconds>(timing().timeout / 3, std::chrono::milliseconds(1));
    echo_ = std::make_shared<Echo>(io_, s.value(), to_, resendEvery, std::move(finish));
    echo_->begin(seq_);
    seq_ = static_cast<uint16_t>(seq_ + 256);  // room for this probe's resends
}

void PingChecker::abort() {
    if (!echo_) return;
    echo_->close();
    echo_.reset();
}

}  // namespace safefarm::app
