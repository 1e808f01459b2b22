// The control API's settings: where it listens, what it serves, its limits.
// Every default is here (one table, as keepalived and Kea keep theirs).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "http/LoginThrottle.h"

namespace safefarm::http {

inline constexpr uint16_t kDefaultHttpPort = 9010;
inline constexpr const char* kDefaultUsersFile = "/etc/safefarm/users.json";
inline constexpr const char* kDefaultWebRoot = "/usr/share/safefarm/web";

struct HttpOptions {
    // "0.0.0.0" (every IPv4 address), "::" (IPv6 and IPv4), or one address.
    std::string address = "0.0.0.0";
    uint16_t port = kDefaultHttpPort;  // 0: any free port (tests), see HttpServer::port()

    std::string webRoot = kDefaultWebRoot;      // the console's files (web/); "" or missing: none
    std::string usersFile = kDefaultUsersFile;  // UserStore.h; "" or a missing file: nobody can log in

    // TLS when both are set: PEM certificate chain and private key.
    std::string tlsCertFile;
    std::string tlsKeyFile;

    std::size_t maxBodyBytes = 1u << 20;     // larger: 413
    std::size_t maxLoginBodyBytes = 4096;    // POST /api/v1/login: larger, 413 on the header
    std::size_t maxHeaderBytes = 16u << 10;  // larger: 431
    // Deadlines set once, never extended by bytes that trickle in (a
    // slowloris kept a place forever by sending a byte every 2 s):
    //   a request's header (and the wait for it on a kept-alive connection,
    //   and a TLS handshake) within headerTimeout;
    //   its body within ioTimeout of the header; each answer written within
    //   ioTimeout; the reading and dropping after the last answer
    //   (ConnectionSlots' "draining") within drainTimeout;
    //   no new request on a connection older than connectionLifetime (its
    //   answer closes it).
    std::chrono::seconds headerTimeout{10};
    std::chrono::seconds ioTimeout{30};
    std::chrono::seconds drainTimeout{2};
    std::chrono::seconds connectionLifetime{600};
    std::size_t maxConnections = 256;
    std::size_t maxConnectionsPerClient = 32;  // an IPv4 address or an IPv6 /64 (ConnectionSlots.h)

    std::chrono::seconds sessionIdle{30 * 60};
    std::chrono::seconds sessionLifetime{12 * 60 * 60};
    std::size_t maxSessions = 1000;
    std::size_t maxSessionsPerUser = 16;  // a user's oldest ends at its 17th login (SessionStore.h)
    // Password checks run at once at most this many (each is ~0.25 s of CPU).
    std::size_t maxPendingLogins = 4;
    ThrottlePolicy loginThrottle;

    // Prometheus usually scrapes without credentials; set to ask for a
    // monitor's API key instead.
    bool metricsNeedAuth = false;
};

}  // namespace safefarm::http
