#include "http/ConnectionSlots.h"

#include <boost/asio/ip/address.hpp>

namespace safefarm::http {

std::string ConnectionSlots::clientKey(const std::string& address) {
    boost::system::error_code ec;
    auto a = boost::asio::ip::make_address(address, ec);
    if (ec || a.is_v4()) return address;
    auto v6 = a.to_v6();
    if (v6.is_v4_mapped()) return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
    auto bytes = v6.to_bytes();
    for (size_t i = 8; i < bytes.size(); i++) bytes[i] = 0;
    return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

std::size_t ConnectionSlots::of(const std::string& client) const {
    auto it = perClient_.find(client);
    return it == perClient_.end() ? 0 : it->second;
}

ConnectionSlots::Admission ConnectionSlots::admit(const std::string& client, Id id) {
    Admission a;
    std::size_t mine = of(client);
    if (mine >= policy_.perClient) return a;
    if (connections_.size() >= policy_.total) {
        // The largest holder's oldest waiting connection, if it would still
        // hold as many as the newcomer after the swap (no ping-pong).
        const Conn* victim = nullptr;
        Id victimId = 0;
        std::size_t victimCount = 0;
        for (const auto& [cid, c] : connections_) {
            std::size_t n = of(c.client);
            if (c.busy || n <= mine + 1) continue;
            if (!victim || n > victimCount || (n == victimCount && c.order < victim->order)) {
                victim = &c;
                victimId = cid;
                victimCount = n;
            }
        }
        if (!victim) return a;
        a.evict = victimId;
        release(victimId);
    }
    connections_[id] = Conn{client, next_++, false};
    perClient_[client]++;
    a.admitted = true;
    return a;
}

void ConnectionSlots::setBusy(Id id, bool busy) {
    if (auto it = connections_.find(id); it != connections_.end()) it->second.busy = busy;
}

void ConnectionSlots::release(Id id) {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    if (auto pc = perClient_.find(it->second.client); pc != perClient_.end() && --pc->second == 0) perClient_.erase(pc);
    connections_.erase(it);
}

}  // namespace safefarm::http
