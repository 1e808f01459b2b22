#include "safectl/ActionCommands.h"

#include <cctype>
#include <filesystem>

namespace safefarm::safectl {

using namespace std::chrono_literals;
using control::Request;

namespace {

// Starting and stopping wait for start_both, stop_both and the drain, which
// the module's own timeouts bound; safed answers when they are over.
constexpr auto kActionTimeout = std::chrono::milliseconds(15min);
constexpr auto kQueryTimeout = std::chrono::milliseconds(10s);

int act(const ClientOptions& options, const Request& request, std::chrono::milliseconds timeout, std::ostream& out,
        std::ostream& err) {
    auto sent = send(options, request, timeout, err);
    if (sent.exitCode != kExitOk) return sent.exitCode;
    return printReply(options, sent.reply, out, err);
}

}  // namespace

int moduleAction(const ClientOptions& options, const std::string& verb, const std::string& module, std::ostream& out,
                 std::ostream& err) {
    return act(options, {verb, module, nlohmann::json::object()}, kActionTimeout, out, err);
}

int stopModule(const ClientOptions& options, const std::string& module, bool force, std::ostream& out,
               std::ostream& err) {
    return act(options, {"stop", module, {{"force", force}}}, kActionTimeout, out, err);
}

int installModule(const ClientOptions& options, const std::string& file, std::ostream& out, std::ostream& err) {
    // safed opens the file itself: say it is missing here, and send a path
    // that does not depend on safectl's working folder.
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
        err << options.program << ": " << file << ": no such file\n";
        return kExitError;
    }
    auto path = std::filesystem::absolute(file, ec).lexically_normal().string();
    return act(options, {"module-install", "", {{"file", path}}}, kActionTimeout, out, err);
}

int listModules(const ClientOptions& options, std::ostream& out, std::ostream& err) {
    auto sent = send(options, {"module-list", "", nlohmann::json::object()}, kQueryTimeout, err);
    if (sent.exitCode != kExitOk) return sent.exitCode;
    if (!sent.reply.ok()) return printReply(options, sent.reply, out, err);
    for (const auto& m : moduleEntries(sent.reply.arguments)) {
        out << field(m, "module", "?");
        if (m.contains("state")) out << "\t" << field(m, "state");
        out << "\n";
    }
    return kExitOk;
}

int removeModule(const ClientOptions& options, const std::string& name, std::ostream& out, std::ostream& err) {
    return act(options, {"module-remove", name, nlohmann::json::object()}, kActionTimeout, out, err);
}

int whoServes(const ClientOptions& options, const std::string& module, const std::string& client, int port,
              std::ostream& out, std::ostream& err) {
    nlohmann::json args = {{"client", client}};
    if (port >= 0) args["port"] = port;
    auto sent = send(options, {"who", module, args}, kQueryTimeout, err);
    if (sent.exitCode != kExitOk) return sent.exitCode;
    if (!sent.reply.ok()) return printReply(options, sent.reply, out, err);
    const auto& a = sent.reply.arguments;
    out << a.value("client", client) << " -> " << a.value("node", std::string("none")) << " (bucket "
        << a.value("bucket", 0)
        << (a.contains("draining_from") ? ", draining from node " + a["draining_from"].dump() : "") << ")\n";
    return kExitOk;
}

int printMessage(const ClientOptions& options, char level, const std::string& module, const std::string& text,
                 std::ostream& err) {
    if (module.empty()) {
        err << options.program << ": print" << static_cast<char>(std::tolower(level))
            << " needs a module: -m MODULE or $SAFEMODULE\n";
        return kExitError;
    }
    Request request{"print", module, {{"level", std::string(1, level)}, {"text", text}}};
    auto sent = send(options, request, kQueryTimeout, err);
    if (sent.exitCode != kExitOk) return sent.exitCode;
    if (sent.reply.ok()) return kExitOk;
    err << options.program << ": " << sent.reply.text << "\n";
    return kExitError;
}

}  // namespace safefarm::safectl
