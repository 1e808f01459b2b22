#include "safectl/StateCommand.h"

#include <cstdio>

namespace safefarm::safectl {

using namespace std::chrono_literals;

namespace {

int stateCode(const std::string& state) {
    if (state == "STOP") return 0;
    if (state == "WAIT") return 1;
    if (state == "UP") return 2;
    return kStateUnknown;
}

std::string orDash(const std::string& s) { return s.empty() ? "-" : s; }

int quietState(const ClientOptions& options, const std::vector<nlohmann::json>& modules, std::ostream& err) {
    if (modules.size() != 1) {
        err << options.program << ": "
            << (modules.empty() ? "no module installed" : "several modules: name one with -m") << "\n";
        return kStateUnknown;
    }
    return stateCode(field(modules.front(), "state", ""));
}

}  // namespace

int showState(const ClientOptions& options, const StateOptions& state, std::ostream& out, std::ostream& err) {
    auto sent = send(options, {"state", state.module, nlohmann::json::object()}, 10s, err);
    if (sent.exitCode != kExitOk) return state.quiet ? kStateUnknown : sent.exitCode;
    if (!sent.reply.ok() || sent.reply.result == control::ResultCode::Empty) {
        int rc = printReply(options, sent.reply, state.quiet ? err : out, err);
        return state.quiet ? kStateUnknown : rc;
    }
    auto modules = moduleEntries(sent.reply.arguments);
    if (state.quiet) return quietState(options, modules, err);

    if (state.longForm) {
        char line[256];
        std::snprintf(line, sizeof line, "%-20s %-5s %-12s %-10s %s\n", "MODULE", "STATE", "ACTIVITY", "VIEW",
                      "REASON");
        out << line;
        for (const auto& m : modules) {
            std::snprintf(line, sizeof line, "%-20s %-5s %-12s %-10s ", field(m, "module", "?").c_str(),
                          field(m, "state", "?").c_str(), orDash(field(m, "activity", "")).c_str(),
                          orDash(field(m, "view", "")).c_str());
            out << line << orDash(field(m, "reason", "")) << "\n";
        }
        return kExitOk;
    }
    for (const auto& m : modules) {
        out << field(m, "module", "?") << ": " << field(m, "state", "?");
        if (auto activity = field(m, "activity", ""); !activity.empty()) out << " (" << activity << ")";
        out << "\n";
    }
    return kExitOk;
}

}  // namespace safefarm::safectl
