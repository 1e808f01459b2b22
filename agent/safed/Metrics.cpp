#include "safed/Metrics.h"

#include <algorithm>
#include <cctype>

namespace safefarm::safed {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

}  // namespace

http::ModuleMetrics moduleMetrics(const nlohmann::json& status) {
    static const nlohmann::json kNone;
    // A field, or null when the status has none (a module never started).
    auto field = [&](const char* key) -> const nlohmann::json& {
        auto it = status.find(key);
        return it == status.end() ? kNone : *it;
    };
    http::ModuleMetrics m;
    m.module = status.value("module", "");
    m.state = status.value("state", "STOP");
    for (const auto& n : field("nodes")) m.bucketShare[n.value("name", "")] = n.value("share", 0.0) / 100.0;
    if (field("verdicts").is_object())
        for (const auto& [name, packets] : field("verdicts").items())
            m.packetsByVerdict[lower(name)] = packets.get<uint64_t>();
    m.viewChanges = status.value("view_changes", uint64_t{0});
    for (const auto& p : field("refused_peers"))
        m.refusedPeers.push_back({p.value("name", ""), p.value("reason", ""), p.value("refused", uint64_t{0})});
    m.blockedByMisconfiguredPeers = status.value("blocked_by_misconfigured_peers", false);
    for (const auto& c : field("checkers"))
        m.checkers.push_back({c.value("ident", ""), c.value("ok", true), c.value("failures", uint64_t{0})});
    if (field("scripts").is_object())
        for (const auto& [name, c] : field("scripts").items())
            m.scripts.push_back({name, c.value("runs", uint64_t{0}), c.value("failures", uint64_t{0})});
    return m;
}

http::MetricsSnapshot StatusMetrics::collect() {
    http::MetricsSnapshot s;
    s.node = node_;
    for (const auto& status : statuses_()) s.modules.push_back(moduleMetrics(status));
    return s;
}

}  // namespace safefarm::safed
