// What /metrics reports, as plain structs: safed fills a snapshot from its
// modules when Prometheus scrapes; PrometheusText turns it into text. The
// HTTP side never reaches into the modules itself.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace safefarm::http {

struct CheckerMetrics {
    std::string name;       // the checker's ident ("apache_tcp")
    bool ok = true;         // its last result
    uint64_t failures = 0;  // failed checks since safed started
};

struct ScriptMetrics {
    std::string script;  // "start_both", "stop_both", ...
    uint64_t runs = 0;
    uint64_t failures = 0;  // non-zero exit or killed
};

// A configured peer whose heartbeats this node refuses (another cluster
// key, wire or bucket algorithm version).
struct RefusedPeerMetrics {
    std::string peer;      // its name in cluster.xml
    std::string reason;    // "key", "wire_version", "bucket_algorithm"
    uint64_t refused = 0;  // datagrams refused since safed started
};

struct ModuleMetrics {
    std::string module;
    std::string state;                                 // "STOP", "WAIT" or "UP"
    std::map<std::string, double> bucketShare;         // node -> share of the buckets, 0..1
    std::map<std::string, uint64_t> packetsByVerdict;  // "pass", "drop_not_owner", ... (counters)
    uint64_t viewChanges = 0;
    std::vector<CheckerMetrics> checkers;
    std::vector<ScriptMetrics> scripts;
    std::vector<RefusedPeerMetrics> refusedPeers;
    bool blockedByMisconfiguredPeers = false;  // takes no bucket because of them
};

struct MetricsSnapshot {
    std::string node;  // this node's name, a label on every sample
    std::vector<ModuleMetrics> modules;
};

class MetricsSource {
public:
    virtual ~MetricsSource() = default;
    // Called on the io_context's thread, once per scrape.
    virtual MetricsSnapshot collect() = 0;
};

}  // namespace safefarm::http
