// The commands safed answers (safectl over the UNIX socket; the HTTP API
// will call the same registry). Each names its module in the envelope; when
// it does not and exactly one module is installed, that one is meant.
#include <filesystem>

#include "config/ModuleConfig.h"
#include "module/FarmPlan.h"

#include "safed/Daemon.h"
#include "safed/BucketMap.h"
#include "safed/LogTail.h"

namespace safefarm::safed {

namespace fs = std::filesystem;
using control::Reply;
using control::Request;
using control::Responder;
using nlohmann::json;

std::optional<std::string> Daemon::moduleOf(const Request& r, const Responder& respond) const {
    auto names = installedModules();
    if (!r.module.empty()) {
        if (std::find(names.begin(), names.end(), r.module) != names.end()) return r.module;
        respond(Reply::error("no module '" + r.module + "' installed (" + options_.configDir + "/modules)"));
        return std::nullopt;
    }
    if (names.size() == 1) return names[0];
    respond(Reply::error(names.empty() ? "no module installed" : "several modules installed: name one with -m"));
    return std::nullopt;
}

module::Module* Daemon::builtModule(const std::string& name) const {
    auto it = slots_.find(name);
    return it == slots_.end() ? nullptr : it->second.module.get();
}

bool Daemon::moduleBusy(const std::string& name) const {
    auto it = slots_.find(name);
    if (it == slots_.end()) return false;
    const auto* m = it->second.module.get();
    return it->second.starting ||
           (m && (m->state() != module::ModuleState::Stop || m->activity() != module::Activity::Idle));
}

// A module not started since safed started: STOP here, the other nodes of
// its farm UNKNOWN (no view to tell), so a console on this node can still
// name them and act on them.
json Daemon::unstartedStatus(const std::string& name) const {
    json out{{"module", name}, {"state", "STOP"}, {"nodes", json::array()}};
    auto cluster = readCluster();
    if (!cluster) return out;
    config::ParseContext ctx;  // no interface checks: only the farm's nodes are read
    ctx.cluster = cluster.value().get();
    ctx.moduleDir = moduleDir(name);
    auto parsed = config::parseUserConfigFile(moduleDir(name) + "/conf/userconfig.xml", ctx);
    if (!parsed.config) return out;
    auto nodes = module::farmNodes(*parsed.config, *cluster.value());
    if (!nodes) return out;
    for (const auto& n : nodes.value()) {
        bool self = n.name == options_.node;
        if (self) out["self"] = n.id;
        out["nodes"].push_back(
            {{"id", n.id}, {"name", n.name}, {"state", self ? "STOP" : "UNKNOWN"}, {"buckets", 0}, {"share", 0.0}});
    }
    return out;
}

// SF_COMMAND: what an operator asked of a module, and who (safectl's pid
// and uid, the console's user, role and address, or the node it came
// through).
void Daemon::noteCommand(const std::string& module, const Request& r) {
    auto s = slot(module);
    if (!s) return;
    std::string what = r.command;
    if (r.args.value("force", false)) what += " (force)";
    s.value()->log->info(control::MessageId::SF_COMMAND,
                         module + ": " + what + " asked by " + (r.origin.empty() ? "an unknown sender" : r.origin));
}

void Daemon::registerCommands() {
    registerConfigCommands();
    // Resolves the module of a request, or answers the error itself.
    auto target = [this](const Request& r, Responder& respond) { return moduleOf(r, respond); };
    // The module an operator acts on; who asked goes into its log first.
    auto actOn = [this](const Request& r, Responder& respond) {
        auto name = moduleOf(r, respond);
        if (name) noteCommand(*name, r);
        return name;
    };
    auto stateOf = [this](const std::string& name) {
        const auto* built = builtModule(name);
        if (!built) return json{{"module", name}, {"state", "STOP"}, {"activity", ""}, {"reason", ""}};
        const auto& m = *built;
        return json{{"module", name},
                    {"state", module::stateName(m.state())},
                    {"activity", module::activityName(m.activity())},
                    {"reason", m.reason()}};
    };

    // The module's files are read and parsed on the transports' thread
    // (readModule), the module built and started back on this one; the slot
    // says "starting" in between, so a second start, a remove or an install
    // waits its turn.
    auto startModule = [this](const std::string& name, Responder respond) {
        auto sr = slot(name);
        if (!sr) {
            respond(Reply::error(sr.error().message()));
            return;
        }
        if (moduleBusy(name)) {
            const auto* m = sr.value()->module.get();
            respond(Reply::error(name + " is already started (" +
                                 (m ? module::stateName(m->state()) : std::string("starting")) + ")"));
            return;
        }
        sr.value()->starting = true;
        onTransports([this, name, respond] {
            auto recipe = readModule(name);
            onModules([this, name, respond, recipe = std::move(recipe)]() mutable {
                auto& s = slots_.at(name);  // not erased while starting (moduleBusy)
                s.starting = false;
                s.module.reset();
                auto built = recipe ? buildModule(std::move(recipe.value())) : Result<module::Module*>(recipe.error());
                if (!built) {
                    s.log->error(control::MessageId::SF_MODULE_START_FAILED, name + ": " + built.error().message());
                    respond(Reply::error(built.error().message()));
                    return;
                }
                built.value()->start([name, respond](Result<void> r) {
                    if (!r) respond(Reply::error(r.error().message()));
                    else respond(Reply::success(name + ": started; UP once the view gives this node its buckets"));
                });
            });
        });
    };
    auto stopModule = [this](const std::string& name, bool force, Responder respond) {
        // A module never started here has no slot yet (it was dereferenced).
        auto* m = builtModule(name);
        if (!m || (m->state() == module::ModuleState::Stop && m->activity() == module::Activity::Idle)) {
            respond(Reply{control::ResultCode::Empty, name + " is already stopped", json::object()});
            return;
        }
        m->stop(force, [name, respond](Result<void> r) {
            if (!r) respond(Reply::error(r.error().message()));
            else respond(Reply::success(name + ": stopped"));
        });
    };

    (void)registry_.add("start", "start a module on this node", [=, this](const Request& r, Responder respond) {
        if (auto name = actOn(r, respond)) startModule(*name, respond);
    });
    (void)registry_.add("stop", "stop a module on this node (drains first; args.force: at once)",
                        [=, this](const Request& r, Responder respond) {
                            if (auto name = actOn(r, respond))
                                stopModule(*name, r.args.value("force", false), respond);
                        });
    auto restart = [=, this](const Request& r, Responder respond) {
        auto name = actOn(r, respond);
        if (!name) return;
        stopModule(*name, r.args.value("force", false), [=](Reply stopped) {
            if (!stopped.ok()) {
                respond(stopped);
                return;
            }
            startModule(*name, respond);
        });
    };
    // SafeKit: restart = the application only; stopstart = the whole module.
    (void)registry_.add("restart", "restart the application of a module (stop_both, start_both)",
                        [=, this](const Request& r, Responder respond) {
                            auto name = actOn(r, respond);
                            if (!name) return;
                            auto* m = builtModule(*name);
                            if (!m) {
                                respond(Reply::error(*name + " is not started"));
                                return;
                            }
                            m->restartApp("restart asked", [name, respond](Result<void> res) {
                                if (!res) respond(Reply::error(res.error().message()));
                                else respond(Reply::success(*name + ": application restarted"));
                            });
                        });
    (void)registry_.add("stopstart", "stop then start a module on this node", restart);

    (void)registry_.add("state", "STOP, WAIT or UP of one module, or of every module",
                        [=, this](const Request& r, Responder respond) {
                            json modules = json::array();
                            if (!r.module.empty()) {
                                auto name = target(r, respond);
                                if (!name) return;
                                modules.push_back(stateOf(*name));
                            } else {
                                for (const auto& n : installedModules()) modules.push_back(stateOf(n));
                            }
                            respond(Reply::success("", json{{"modules", modules}}));
                        });
    (void)registry_.add("status", "the module's nodes, states, bucket shares and traffic",
                        [=, this](const Request& r, Responder respond) {
                            auto name = target(r, respond);
                            if (!name) return;
                            if (auto* m = builtModule(*name)) return respond(Reply::success("", m->status()));
                            // Never started: its files, read off this thread.
                            onTransports([this, name = *name, respond] {
                                respond(Reply::success("", unstartedStatus(name)));
                            });
                        });
    (void)registry_.add("buckets",
                        "the bucket table in force on this node, for the console's map: each bucket's owner and, "
                        "while it moves, its previous owner",
                        [=, this](const Request& r, Responder respond) {
                            auto name = target(r, respond);
                            if (!name) return;
                            auto* m = builtModule(*name);
                            json out = bucketMap(m ? m->table() : std::vector<farm_bucket>{});
                            out["module"] = *name;
                            json nodes = json::object();
                            if (m) {
                                auto st = m->status();
                                out["epoch"] = st.value("epoch", uint64_t{0});
                                for (const auto& n : st.value("nodes", json::array()))
                                    nodes[std::to_string(n.value("id", 0))] = n.value("name", "");
                            }
                            out["nodes"] = nodes;
                            respond(Reply::success("", out));
                        });
    (void)registry_.add("who", "which node serves a client (args.client, args.port for on_port)",
                        [=, this](const Request& r, Responder respond) {
                            auto name = target(r, respond);
                            if (!name) return;
                            auto ip = parseIp(r.args.value("client", std::string()));
                            if (!ip) {
                                respond(Reply::error("args.client: " + ip.error().message()));
                                return;
                            }
                            auto* m = builtModule(*name);
                            if (!m) {
                                respond(Reply::error(*name + " is not started"));
                                return;
                            }
                            std::optional<uint16_t> port;
                            if (r.args.contains("port")) port = r.args["port"].get<uint16_t>();
                            auto w = m->whoServes(ip.value(), port);
                            if (!w) respond(Reply::error(w.error().message()));
                            else respond(Reply::success(w.value().value("node", std::string("none")), w.value()));
                        });
    // safectl printi|printw|printe (and `safekit printi` in SafeKit scripts).
    (void)registry_.add("print", "write a script's message into the module log (args.level I|W|E, args.text)",
                        [=, this](const Request& r, Responder respond) {
                            auto name = target(r, respond);
                            if (!name) return;
                            auto s = slot(*name);
                            if (!s) {
                                respond(Reply::error(s.error().message()));
                                return;
                            }
                            std::string level = r.args.value("level", std::string("I"));
                            auto id = level == "E"   ? control::MessageId::SF_USER_ERROR
                                      : level == "W" ? control::MessageId::SF_USER_WARN
                                                     : control::MessageId::SF_USER_INFO;
                            s.value()->log->log(control::levelFromLetter(level.empty() ? 'I' : level[0]), id,
                                                *name + ": " + r.args.value("text", std::string()));
                            respond(Reply::success(""));
                        });
    (void)registry_.add("module-remove", "remove a stopped module from the modules folder",
                        [=, this](const Request& r, Responder respond) {
                            auto name = target(r, respond);
                            if (!name) return;
                            if (moduleBusy(*name)) {
                                respond(Reply::error(*name + " is running: stop it first"));
                                return;
                            }
                            // Out of the way at once (one rename), deleted on
                            // the transports' thread (a large module takes a while).
                            std::error_code ec;
                            std::string modules = options_.configDir + "/modules";
                            std::string gone = modules + "/." + *name + ".removed" + std::to_string(++removals_);
                            fs::rename(modules + "/" + *name, gone, ec);
                            if (ec) {
                                respond(Reply::error("removing " + *name + ": " + ec.message()));
                                return;
                            }
                            slots_.erase(*name);
                            onTransports([gone] {
                                std::error_code ec2;
                                fs::remove_all(gone, ec2);
                            });
                            respond(Reply::success(*name + " removed"));
                        });
    (void)registry_.add("module-list", "the installed modules", [=, this](const Request&, Responder respond) {
        json modules = json::array();
        for (const auto& n : installedModules()) modules.push_back(stateOf(n));
        respond(Reply::success("", json{{"modules", modules}}));
    });
}

}  // namespace safefarm::safed
