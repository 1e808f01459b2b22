#include "membership/UdpTransport.h"

#include <boost/asio/buffer.hpp>

#include "common/CloseOnExec.h"

namespace safefarm::membership {

namespace asio = boost::asio;
using asio::ip::udp;

UdpTransport::UdpTransport(asio::io_context& io, Membership& membership, std::vector<LanEndpoints> lans,
                           ViewHandler onView)
    : io_(io), membership_(membership), config_(std::move(lans)), timer_(io), onView_(std::move(onView)) {}

Nanos UdpTransport::monotonicNow() {
    return std::chrono::duration_cast<Nanos>(std::chrono::steady_clock::now().time_since_epoch());
}

Result<void> UdpTransport::start() {
    for (size_t i = 0; i < config_.size(); i++) {
        auto lan = std::make_unique<Lan>(io_);
        boost::system::error_code ec;
        const auto& local = config_[i].local;
        lan->socket.open(local.protocol(), ec);
        // The application's processes would read heartbeats through it
        // (ProcessRunner also closes 3 and up).
        if (!ec)
            if (auto r = setCloseOnExec(lan->socket.native_handle()); !r)
                ec = boost::system::error_code(r.error().code, boost::system::system_category());
        if (!ec) lan->socket.set_option(udp::socket::reuse_address(true), ec);
        if (!ec) lan->socket.bind(local, ec);
        if (ec)
            return osError(ec.value(), "binding the membership socket of lan " + std::to_string(i) + " to " +
                                           local.address().to_string() + ":" + std::to_string(local.port()));
        lans_.push_back(std::move(lan));
    }
    for (size_t i = 0; i < lans_.size(); i++) receive(i);
    membership_.tick(monotonicNow());
    flush();
    return success();
}

void UdpTransport::stop() {
    stopped_ = true;
    timer_.cancel();
    for (auto& l : lans_) {
        boost::system::error_code ec;
        l->socket.close(ec);
    }
}

void UdpTransport::receive(size_t i) {
    Lan& lan = *lans_[i];
    lan.socket.async_receive_from(
        asio::buffer(lan.buffer), lan.from, [this, i](boost::system::error_code ec, size_t n) {
            if (stopped_ || ec == asio::error::operation_aborted) return;
            if (!ec) {
                // The MAC, not the address, decides (as corosync): an unknown
                // source is only counted, then the datagram goes through the
                // same checks as any other, so a wrong key is counted as forged.
                // A configured peer's address says whom to count a refused
                // datagram against (docs/design.md "Misconfigured peers").
                uint8_t source = Membership::kUnknownSource;
                for (const auto& [id, ep] : config_[i].peers)
                    if (ep.address() == lans_[i]->from.address()) source = id;
                if (source == Membership::kUnknownSource) unknownSource_++;
                membership_.receive(static_cast<uint8_t>(i), std::span<const uint8_t>(lans_[i]->buffer.data(), n),
                                    monotonicNow(), source);
                flush();
            }
            receive(i);
        });
}

void UdpTransport::flush() {
    sendQueued();
    for (auto& v : membership_.takeCommitted())
        if (onView_) onView_(v);
    if (onEvent_) onEvent_();
    arm();
}

void UdpTransport::sendQueued() {
    for (auto& d : membership_.takeDatagrams()) {
        if (d.lan >= lans_.size()) continue;
        auto it = config_[d.lan].peers.find(d.to);
        if (it == config_[d.lan].peers.end()) continue;
        boost::system::error_code ec;
        // Non-blocking in practice (small datagrams); a full buffer drops it like a lossy lan would.
        lans_[d.lan]->socket.send_to(asio::buffer(d.bytes), it->second, 0, ec);
        if (ec) sendErrors_++;
        if (onSend_) onSend_(d);
    }
}

void UdpTransport::arm() {
    if (stopped_) return;
    Nanos wake = membership_.nextWakeup();
    timer_.expires_at(
        std::chrono::steady_clock::time_point(std::chrono::duration_cast<std::chrono::steady_clock::duration>(wake)));
    timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || stopped_) return;
        membership_.tick(monotonicNow());
        flush();
    });
}

}  // namespace safefarm::membership
