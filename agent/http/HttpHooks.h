// What safed plugs into the control API besides the command registry: the
// answers of ready.txt and /metrics, the clock (tests move it), and how to
// reach the other nodes.
#pragma once

#include <functional>
#include <string>

#include "http/Clock.h"
#include "http/MetricsSource.h"
#include "http/PeerRelay.h"

namespace safefarm::http {

struct HttpHooks {
    // GET /var/modules/<module>/ready.txt: 200 if this returns true, else
    // 404. Called on the io_context's thread. Unset: always 404.
    std::function<bool(const std::string& module)> moduleUp;
    // A connection that came in on an address for which this returns true
    // is closed unanswered: the modules' VIPs, which every web client
    // reaches, are not an operator's way in (docs/security.md "Defaults").
    // Called on the io_context's thread. Unset: every address serves.
    std::function<bool(const std::string& localAddress)> serviceAddress;
    // GET /metrics. Not owned; must outlive the server. Null: 404.
    MetricsSource* metrics = nullptr;
    Clock clock = steadyNow;
    // The other nodes, for commands sent here for them (PeerRelay.h).
    PeerSetup peers;
};

}  // namespace safefarm::http
