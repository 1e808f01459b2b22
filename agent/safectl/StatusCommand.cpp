#include "safectl/StatusCommand.h"

#include <cstdio>

namespace safefarm::safectl {

using namespace std::chrono_literals;

namespace {

std::string share(const nlohmann::json& node) {
    auto it = node.find("share");
    if (it == node.end() || !it->is_number()) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", it->get<double>());
    return buf;
}

std::string row(const char* format, auto... columns) {
    char buf[512];
    std::snprintf(buf, sizeof buf, format, columns...);
    return buf;
}

constexpr const char* kModuleRow = "%-20s %-6s %-6s %s\n";
constexpr const char* kNodeRow = "  -> %-3s %-16s %-9s %8s %7s %10s %12s\n";

}  // namespace

std::string formatStatus(const nlohmann::json& arguments) {
    std::string out = row(kModuleRow, "Module", "State", "Epoch", "View");
    out += row(kNodeRow, "Id", "Node", "State", "Buckets", "Share", "Conns", "Packets");
    for (const auto& m : moduleEntries(arguments)) {
        std::string extra = field(m, "view", "-");
        if (auto a = field(m, "activity"); !a.empty()) extra += "  (" + a + ")";
        if (auto r = field(m, "reason"); !r.empty()) extra += "  " + r;
        out += row(kModuleRow, field(m, "module", "?").c_str(), field(m, "state", "?").c_str(),
                   field(m, "epoch", "-").c_str(), extra.c_str());
        auto nodes = m.find("nodes");
        if (nodes != m.end() && nodes->is_array())
            for (const auto& n : *nodes)
                out += row(kNodeRow, field(n, "id", "?").c_str(), field(n, "name", "?").c_str(),
                           field(n, "state", "?").c_str(), field(n, "buckets", "-").c_str(), share(n).c_str(),
                           field(n, "connections", "-").c_str(), field(n, "packets", "-").c_str());
        // Peers with another cluster key or version (docs/design.md "Misconfigured peers").
        if (m.value("blocked_by_misconfigured_peers", false))
            out += "  !! takes no bucket: it hears refused peers (fix their cluster.key or version)\n";
        if (auto refused = m.find("refused_peers"); refused != m.end() && refused->is_array())
            for (const auto& p : *refused)
                if (p.value("current", false))
                    out += "  !! " + field(p, "name", "?") + " " + field(p, "address", "") +
                           " refused: " + field(p, "why", "?") + " (" + field(p, "refused", "?") + " datagrams)\n";
    }
    return out;
}

int showStatus(const ClientOptions& options, const std::string& module, bool json, std::ostream& out,
               std::ostream& err) {
    auto sent = send(options, {"status", module, nlohmann::json::object()}, 10s, err);
    if (sent.exitCode != kExitOk) return sent.exitCode;
    if (!sent.reply.ok() || sent.reply.result == control::ResultCode::Empty)
        return printReply(options, sent.reply, out, err);
    if (json)
        out << sent.reply.arguments.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    else
        out << formatStatus(sent.reply.arguments);
    return kExitOk;
}

}  // namespace safefarm::safectl
