// Calls between the nodes' control APIs: one console acts on every node.
// A node forwards a command meant for another node to that node's port
// 9010, signed with the cluster key (the key the heartbeats are signed
// with): HMAC-SHA256 over who forwards it, to which node, for which user and
// role, when, a fresh nonce, and the whole request. The receiver checks the
// signature, that it is the node named, that the time is within the window
// (the nodes keep their clocks in step, as NTP does) and that the nonce is
// new, so a captured call can be replayed neither later, nor to another
// node. The signature also covers the TLS connection the call travels on
// (its RFC 5705 exporter, PeerTls.h): a call is good on that connection
// only, so a recording replayed after the receiver restarted (its nonces
// forgotten) is refused too. The answer is signed over the same nonce: a
// forged answer is not believed either.
//
//   X-Safefarm-Peer: v2;from=n1;to=n2;user=adm;role=admin;t=1764383000;nonce=<32 hex>;sig=<64 hex>
//   X-Safefarm-Peer-Reply: <64 hex>
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/Hmac.h"
#include "common/Result.h"
#include "http/Role.h"

namespace safefarm::http {

inline constexpr const char* kPeerHeader = "X-Safefarm-Peer";
inline constexpr const char* kPeerReplyHeader = "X-Safefarm-Peer-Reply";

using WallClock = std::function<std::chrono::system_clock::time_point()>;
inline std::chrono::system_clock::time_point systemNow() { return std::chrono::system_clock::now(); }

struct PeerClaims {
    std::string from;  // the node that forwards
    std::string to;    // the node that is to run it
    std::string user;  // who asked the forwarding node (for the audit log)
    Role role = Role::Monitor;
    long long time = 0;  // Unix seconds
    std::string nonce;   // 32 hex
};

// Used on the API's thread only (its Hmac is one thread's).
class PeerAuth {
public:
    // mac: under the cluster key (the heartbeats' Hmac, common/Hmac.h).
    explicit PeerAuth(Hmac mac, WallClock clock = systemNow, std::chrono::seconds window = std::chrono::seconds(60));

    // Fills claims.time and claims.nonce; returns the X-Safefarm-Peer value
    // for a request of `target` (method and path) carrying `body` on the
    // connection whose channelBinding() is `channel`, or why there is none
    // (no random nonce).
    Result<std::string> sign(PeerClaims& claims, std::string_view target, std::string_view body,
                             std::string_view channel) const;
    // The claims if the header is well formed, signed with our key for this
    // connection, for `self`, within the window, and never seen; else why not.
    Result<PeerClaims> verify(std::string_view header, std::string_view self, std::string_view target,
                              std::string_view body, std::string_view channel);

    std::string signReply(std::string_view nonce, unsigned status, std::string_view body) const;
    bool verifyReply(std::string_view signature, std::string_view nonce, unsigned status, std::string_view body) const;

    // A name fit for the header: what cluster.xml and users.json allow.
    static bool validName(std::string_view name);

private:
    std::string mac(std::string_view data) const;

    Hmac mac_;
    WallClock clock_;
    std::chrono::seconds window_;
    // Nonces seen within the window, with their claimed time; older ones are
    // refused by the time check, so they are forgotten.
    std::map<std::string, long long> seen_;
};

}  // namespace safefarm::http
