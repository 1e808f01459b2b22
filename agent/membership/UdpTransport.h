// Drives a Membership state machine over real UDP (DESIGN §4): one socket per
// lan bound to this node's address on it, one steady timer armed at the
// state machine's next wakeup, CLOCK_MONOTONIC (std::chrono::steady_clock)
// as its clock. Everything runs on the caller's io_context thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "common/Result.h"
#include "membership/Membership.h"

namespace safefarm::membership {

struct LanEndpoints {
    boost::asio::ip::udp::endpoint local;                     // this node on the lan
    std::map<uint8_t, boost::asio::ip::udp::endpoint> peers;  // node id -> its address on the lan
};

class UdpTransport {
public:
    using ViewHandler = std::function<void(const View&)>;

    UdpTransport(boost::asio::io_context& io, Membership& membership, std::vector<LanEndpoints> lans,
                 ViewHandler onView);

    // Opens and binds every lan's socket and starts receiving and ticking.
    Result<void> start();
    void stop();
    // Called with every datagram sent (the lab test records them to replay).
    void onSend(std::function<void(const Datagram&)> f) { onSend_ = std::move(f); }
    // Called after every datagram received and every tick, views delivered.
    void onEvent(std::function<void()> f) { onEvent_ = std::move(f); }

    // Sends what the state machine has queued, now, and nothing else (no
    // view delivered, no timer armed): for the last words of an agent that
    // exits (Membership::restarting).
    void sendQueued();

    static Nanos monotonicNow();
    // Datagrams from an address that is not a configured peer on that lan
    // (still checked by the state machine), and send errors.
    uint64_t unknownSource() const { return unknownSource_; }
    uint64_t sendErrors() const { return sendErrors_; }

private:
    struct Lan {
        explicit Lan(boost::asio::io_context& io) : socket(io) {}
        boost::asio::ip::udp::socket socket;
        boost::asio::ip::udp::endpoint from;
        std::array<uint8_t, 65536> buffer{};
    };
    void receive(size_t lan);
    void flush();
    void arm();

    boost::asio::io_context& io_;
    Membership& membership_;
    std::vector<LanEndpoints> config_;
    std::vector<std::unique_ptr<Lan>> lans_;
    boost::asio::steady_timer timer_;
    ViewHandler onView_;
    std::function<void(const Datagram&)> onSend_;
    std::function<void()> onEvent_;
    uint64_t unknownSource_ = 0, sendErrors_ = 0;
    bool stopped_ = false;
};

}  // namespace safefarm::membership
