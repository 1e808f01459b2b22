#include "control/CommandRegistry.h"

#include <atomic>
#include <exception>
#include <memory>

#include <spdlog/spdlog.h>

namespace safefarm::control {

namespace {

// The state every copy of one dispatch's Responder shares.
class Once {
public:
    Once(std::string command, Responder respond) : command_(std::move(command)), respond_(std::move(respond)) {}
    ~Once() {
        if (answered_.exchange(true)) return;
        try {
            respond_(Reply::error("command '" + command_ + "' ended without a reply"));
        } catch (...) {
            // A destructor must not throw; the client sees its connection close.
        }
    }
    Once(const Once&) = delete;
    Once& operator=(const Once&) = delete;

    void answer(Reply reply) {
        if (!answered_.exchange(true)) respond_(std::move(reply));
    }

private:
    std::string command_;
    Responder respond_;
    std::atomic<bool> answered_{false};
};

std::string joinNames(const std::vector<CommandInfo>& commands) {
    std::string out;
    for (const auto& c : commands) out += (out.empty() ? "" : ", ") + c.name;
    return out;
}

}  // namespace

CommandRegistry::CommandRegistry() {
    (void)add("list-commands", "list the commands this agent accepts", [this](const Request&, Responder respond) {
        nlohmann::json commands = nlohmann::json::array();
        for (const auto& c : list()) commands.push_back({{"name", c.name}, {"help", c.help}});
        respond(Reply::success(std::to_string(commands.size()) + " commands", {{"commands", commands}}));
    });
}

Result<void> CommandRegistry::add(std::string name, std::string help, Handler handler) {
    if (name.empty() || !handler) return badInput("a command needs a name and a handler");
    if (commands_.count(name)) return badInput("command '" + name + "' is already registered");
    commands_.emplace(std::move(name), Entry{std::move(help), std::move(handler)});
    return success();
}

void CommandRegistry::dispatch(const Request& request, Responder respond) const {
    auto once = std::make_shared<Once>(request.command, std::move(respond));
    Responder guarded = [once](Reply reply) { once->answer(std::move(reply)); };

    auto it = commands_.find(request.command);
    if (it == commands_.end()) {
        auto known = list();
        nlohmann::json names = nlohmann::json::array();
        for (const auto& c : known) names.push_back(c.name);
        guarded(Reply{ResultCode::Unsupported,
                      "unknown command '" + request.command + "'; known: " + joinNames(known),
                      {{"commands", names}}});
        return;
    }
    // A handler that throws answers with our own words; what it threw goes
    // to safed's log only (it named library internals to any caller:
    // "[json.exception.type_error.302] ...").
    try {
        it->second.handler(request, guarded);
    } catch (const nlohmann::json::exception& e) {
        spdlog::warn("command '{}': {}", request.command, e.what());
        guarded(Reply::error("command '" + request.command + "': an argument is missing or of the wrong type"));
    } catch (const std::exception& e) {
        spdlog::error("command '{}' failed: {}", request.command, e.what());
        guarded(Reply::error("command '" + request.command + "' failed: internal error (safed's log says more)"));
    } catch (...) {
        spdlog::error("command '{}' failed: an unknown exception", request.command);
        guarded(Reply::error("command '" + request.command + "' failed: internal error (safed's log says more)"));
    }
}

std::vector<CommandInfo> CommandRegistry::list() const {
    std::vector<CommandInfo> out;
    for (const auto& [name, entry] : commands_) out.push_back({name, entry.help});
    return out;
}

}  // namespace safefarm::control
