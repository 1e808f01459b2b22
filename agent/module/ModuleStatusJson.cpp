#include "module/ModuleStatusJson.h"

#include "module/RefusedPeerReport.h"

namespace safefarm::module {

using nlohmann::json;

namespace {

json nodesJson(const ModuleSnapshot& s) {
    json nodes = json::array();
    for (const auto& n : s.nodes) {
        json row = {{"id", n.id},
                    {"name", n.name},
                    {"state", n.state},
                    {"buckets", n.buckets},
                    {"share", s.tableBuckets == 0 ? 0.0 : 100.0 * n.buckets / s.tableBuckets}};
        if (n.traffic) {
            row["connections"] = n.traffic->connections;
            row["packets"] = n.traffic->packets;
        }
        nodes.push_back(row);
    }
    return nodes;
}

json refusedJson(const std::vector<RefusedPeerSnapshot>& peers) {
    json out = json::array();
    for (const auto& r : peers) {
        const auto& p = r.peer;
        json row = {{"id", p.id},
                    {"name", r.name},
                    {"reason", membership::refusalName(p.reason)},
                    {"why", RefusedPeerReport::why(p)},
                    {"refused", p.count},
                    {"ms_ago", p.msAgo},
                    {"current", p.current}};
        if (r.address) row["address"] = formatIp(*r.address);
        out.push_back(row);
    }
    return out;
}

}  // namespace

json statusJson(const ModuleSnapshot& s) {
    json scripts = json::object();
    for (const auto& [name, c] : s.scripts) scripts[name] = {{"runs", c.runs}, {"failures", c.failures}};
    json checkers = json::array();
    for (const auto& c : s.checkers) checkers.push_back({{"ident", c.ident}, {"ok", c.ok}, {"failures", c.failures}});
    json verdicts = json::object();
    for (const auto& [reason, packets] : s.verdicts) verdicts[reason] = packets;
    return {{"module", s.module},
            {"state", stateName(s.state)},
            {"activity", activityName(s.activity)},
            {"reason", s.reason},
            {"self", s.self},
            {"epoch", s.epoch},
            {"view", s.view},
            {"nodes", nodesJson(s)},
            {"verdicts", verdicts},
            {"view_changes", s.viewChanges},
            {"refused_peers", refusedJson(s.refusedPeers)},
            {"blocked_by_misconfigured_peers", s.blockedByMisconfiguredPeers},
            {"scripts", scripts},
            {"checkers", checkers}};
}

}  // namespace safefarm::module
