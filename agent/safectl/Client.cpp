#include "safectl/Client.h"

#include "control/UnixClient.h"

namespace safefarm::safectl {

Sent send(const ClientOptions& options, const control::Request& request, std::chrono::milliseconds defaultTimeout,
          std::ostream& err) {
    auto reply = control::call(options.socket, request, options.timeout.value_or(defaultTimeout));
    if (reply) return {kExitOk, std::move(reply).value()};
    const auto& e = reply.error();
    if (control::notRunning(e)) {
        // The errno adds nothing to "safed is not running (no socket at ...)".
        err << options.program << ": " << e.context << "\n";
        return {kExitNotRunning, {}};
    }
    err << options.program << ": " << e.message() << "\n";
    return {kExitError, {}};
}

int printReply(const ClientOptions& options, const control::Reply& reply, std::ostream& out, std::ostream& err) {
    if (!reply.ok()) {
        err << options.program << ": " << (reply.text.empty() ? control::resultName(reply.result) : reply.text) << "\n";
        return kExitError;
    }
    if (!reply.text.empty()) out << reply.text << "\n";
    return kExitOk;
}

std::vector<nlohmann::json> moduleEntries(const nlohmann::json& arguments) {
    std::vector<nlohmann::json> out;
    if (auto m = arguments.find("modules"); m != arguments.end() && m->is_array()) {
        for (const auto& e : *m)
            if (e.is_object()) out.push_back(e);
    } else if (arguments.is_object() && arguments.contains("module")) {
        out.push_back(arguments);
    }
    return out;
}

std::string field(const nlohmann::json& obj, const char* key, const std::string& fallback) {
    if (!obj.is_object()) return fallback;
    auto it = obj.find(key);
    if (it == obj.end()) return fallback;
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number() || it->is_boolean()) return it->dump();
    return fallback;
}

}  // namespace safefarm::safectl
