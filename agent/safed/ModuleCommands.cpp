#include "safed/ModuleCommands.h"

#include "safed/BucketMap.h"

namespace safefarm::safed {

using control::Reply;
using nlohmann::json;

void ModuleCommands::registerIn(control::CommandRegistry& registry) {
    using C = ModuleCommands;
    static const CommandRow<C> rows[] = {
        {"start", "start a module on this node", Target::ActOn, &C::start},
        {"stop", "stop a module on this node (drains first; args.force: at once)", Target::ActOn, &C::stop},
        // SafeKit: restart = the application only; stopstart = the whole module.
        {"restart", "restart the application of a module (stop_both, start_both)", Target::ActOn, &C::restart},
        {"stopstart", "stop then start a module on this node", Target::ActOn, &C::stopStart},
        {"state", "STOP, WAIT or UP of one module, or of every module", Target::Optional, &C::state},
        {"status", "the module's nodes, states, bucket shares and traffic", Target::Module, &C::status},
        {"buckets",
         "the bucket table in force on this node, for the console's map: each bucket's owner and, while it moves, "
         "its previous owner",
         Target::Module, &C::buckets},
        {"who", "which node serves a client (args.client, args.port for on_port)", Target::Module, &C::who},
        // safectl printi|printw|printe (and `safekit printi` in SafeKit scripts).
        {"print", "write a script's message into the module log (args.level I|W|E, args.text)", Target::Module,
         &C::print},
        {"module-remove", "remove a stopped module from the modules folder", Target::Module, &C::remove},
        {"module-list", "the installed modules", Target::None, &C::list},
    };
    addCommands<C>(registry, *this, store_, rows,
                   [this](const std::string& module, const Request& r) { noteCommand(modules_, module, r); });
}

// The module's files are read and parsed off this thread (the manager's
// start); it says "busy" until it is built, so a second start, a remove or
// an install waits its turn.
void ModuleCommands::startModule(const std::string& module, const Responder& respond) {
    if (modules_.busy(module)) {
        auto s = modules_.state(module);
        respond(Reply::error(module + " is already started (" +
                             (s.built ? module::stateName(s.state) : std::string("starting")) + ")"));
        return;
    }
    modules_.start(module, [module, respond](Result<void> r) {
        if (!r)
            respond(Reply::error(r.error().message()));
        else
            respond(Reply::success(module + ": started; UP once the view gives this node its buckets"));
    });
}

// A module never started here is not built: there is nothing to stop.
void ModuleCommands::stopModule(const std::string& module, bool force, const Responder& respond) {
    auto s = modules_.state(module);
    if (!s.built || s.stopped()) {
        respond(Reply{control::ResultCode::Empty, module + " is already stopped", json::object()});
        return;
    }
    modules_.stop(module, force, [module, respond](Result<void> r) {
        if (!r)
            respond(Reply::error(r.error().message()));
        else
            respond(Reply::success(module + ": stopped"));
    });
}

void ModuleCommands::start(const std::string& module, const Request&, const Responder& respond) {
    startModule(module, respond);
}

void ModuleCommands::stop(const std::string& module, const Request& r, const Responder& respond) {
    stopModule(module, r.args.value("force", false), respond);
}

void ModuleCommands::stopStart(const std::string& module, const Request& r, const Responder& respond) {
    stopModule(module, r.args.value("force", false), [this, module, respond](Reply stopped) {
        if (!stopped.ok()) return respond(stopped);
        startModule(module, respond);
    });
}

void ModuleCommands::restart(const std::string& module, const Request&, const Responder& respond) {
    if (!modules_.state(module).built) return respond(Reply::error(module + " is not started"));
    modules_.restartApp(module, "restart asked", [module, respond](Result<void> r) {
        if (!r)
            respond(Reply::error(r.error().message()));
        else
            respond(Reply::success(module + ": application restarted"));
    });
}

json ModuleCommands::stateOf(const std::string& module) const {
    auto s = modules_.state(module);
    if (!s.built) return json{{"module", module}, {"state", "STOP"}, {"activity", ""}, {"reason", ""}};
    return json{{"module", module},
                {"state", module::stateName(s.state)},
                {"activity", module::activityName(s.activity)},
                {"reason", s.reason}};
}

void ModuleCommands::state(const std::string& module, const Request&, const Responder& respond) {
    json modules = json::array();
    if (!module.empty())
        modules.push_back(stateOf(module));
    else
        for (const auto& n : store_.list()) modules.push_back(stateOf(n));
    respond(Reply::success("", json{{"modules", modules}}));
}

void ModuleCommands::list(const std::string&, const Request& r, const Responder& respond) { state("", r, respond); }

// A module not started since safed started: STOP here, the other nodes of
// its farm UNKNOWN (no view to tell), so a console on this node can still
// name them and act on them.
json ModuleCommands::unstartedStatus(const std::string& module) const {
    json out{{"module", module}, {"state", "STOP"}, {"nodes", json::array()}};
    auto loaded = store_.load(module, Scope::Parse);  // no interface checks: only the farm's nodes are read
    if (!loaded.ok()) return out;
    auto nodes = module::farmNodes(*loaded.config, *loaded.cluster);
    if (!nodes) return out;
    for (const auto& n : nodes.value()) {
        bool self = n.name == node_;
        if (self) out["self"] = n.id;
        out["nodes"].push_back(
            {{"id", n.id}, {"name", n.name}, {"state", self ? "STOP" : "UNKNOWN"}, {"buckets", 0}, {"share", 0.0}});
    }
    return out;
}

void ModuleCommands::status(const std::string& module, const Request&, const Responder& respond) {
    if (auto s = modules_.status(module)) return respond(Reply::success("", *s));
    // Never started: its files, read off this thread.
    threads_.transports([this, module, respond] { respond(Reply::success("", unstartedStatus(module))); });
}

void ModuleCommands::buckets(const std::string& module, const Request&, const Responder& respond) {
    json out = bucketMap(modules_.table(module));
    out["module"] = module;
    json nodes = json::object();
    if (auto s = modules_.status(module)) {
        out["epoch"] = s->value("epoch", uint64_t{0});
        for (const auto& n : s->value("nodes", json::array()))
            nodes[std::to_string(n.value("id", 0))] = n.value("name", "");
    }
    out["nodes"] = nodes;
    respond(Reply::success("", out));
}

void ModuleCommands::who(const std::string& module, const Request& r, const Responder& respond) {
    auto ip = parseIp(r.args.value("client", std::string()));
    if (!ip) return respond(Reply::error("args.client: " + ip.error().message()));
    if (!modules_.state(module).built) return respond(Reply::error(module + " is not started"));
    std::optional<uint16_t> port;
    if (r.args.contains("port")) port = r.args["port"].get<uint16_t>();
    auto w = modules_.whoServes(module, ip.value(), port);
    if (!w)
        respond(Reply::error(w.error().message()));
    else
        respond(Reply::success(w.value().value("node", std::string("none")), w.value()));
}

void ModuleCommands::print(const std::string& module, const Request& r, const Responder& respond) {
    std::string level = r.args.value("level", std::string("I"));
    auto id = level == "E"   ? control::MessageId::SF_USER_ERROR
              : level == "W" ? control::MessageId::SF_USER_WARN
                             : control::MessageId::SF_USER_INFO;
    auto logged = modules_.log(module, control::levelFromLetter(level.empty() ? 'I' : level[0]), id,
                               module + ": " + r.args.value("text", std::string()));
    respond(logged ? Reply::success("") : Reply::error(logged.error().message()));
}

// Out of the way at once (one rename), deleted on the transports' thread
// (a large module takes a while).
void ModuleCommands::remove(const std::string& module, const Request&, const Responder& respond) {
    if (modules_.busy(module)) return respond(Reply::error(module + " is running: stop it first"));
    auto gone = store_.setAside(module);
    if (!gone) return respond(Reply::error("removing " + module + ": " + gone.error().message()));
    modules_.forget(module);
    threads_.transports([this, gone = gone.value()] { store_.erase(gone); });
    respond(Reply::success(module + " removed"));
}

}  // namespace safefarm::safed
