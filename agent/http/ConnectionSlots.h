// Who may hold the control API's connections (issue 14): one client
// trickling bytes over 500 connections took every one of the 256 places,
// and 38 of 40 health checks were refused. Two rules:
//   - at most `perClient` connections per client (an IPv4 address, or an
//     IPv6 /64: one host has a whole /64 to pick addresses from);
//   - when every place is taken, a newcomer takes the place of the oldest
//     waiting connection (reading a request, idle between requests, or
//     draining after its answer; never one whose command runs) of the
//     client that holds the most, if it holds at least two more than the
//     newcomer.
// So a client (or 50 of them) can fill the server, but not keep anyone out:
// `ready.txt`, /metrics and peer calls get a place as long as the places
// are held by clients with at least two more connections than theirs.
//
// docs/design.md "The control API's connections". Pure bookkeeping, no
// sockets; used on the io_context's thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace safefarm::http {

struct SlotPolicy {
    std::size_t total = 256;
    std::size_t perClient = 32;
};

class ConnectionSlots {
public:
    using Id = uint64_t;

    explicit ConnectionSlots(SlotPolicy policy) : policy_(policy) {}

    struct Admission {
        bool admitted = false;
        std::optional<Id> evict;  // close that connection first (its place is the newcomer's)
    };
    // Registers connection `id` of `client` (clientKey()) when admitted.
    Admission admit(const std::string& client, Id id);
    // While a connection's command runs it is not evicted.
    void setBusy(Id id, bool busy);
    void release(Id id);

    std::size_t size() const { return connections_.size(); }
    std::size_t of(const std::string& client) const;

    // "192.0.2.7", "2001:db8:1:2::/64" (a v4-mapped address is its v4).
    static std::string clientKey(const std::string& address);

private:
    struct Conn {
        std::string client;
        uint64_t order = 0;  // admission order: lower is older
        bool busy = false;
    };
    SlotPolicy policy_;
    uint64_t next_ = 0;
    std::map<Id, Conn> connections_;
    std::map<std::string, std::size_t> perClient_;
};

}  // namespace safefarm::http
