// The console's configuration and support commands (admin: a
// userconfig.xml may hold the scripts' secrets in its <var>s): the module's
// files, an edited userconfig.xml checked as a start would check it, a
// deploy of edited files, and a snapshot of everything support asks for.
#include <chrono>
#include <ctime>

#include "config/ModuleConfig.h"
#include "http/PrometheusText.h"
#include "safed/ConfigFiles.h"
#include "safed/Daemon.h"
#include "safed/LogTail.h"

namespace safefarm::safed {

namespace {

constexpr std::size_t kMaxConfigFileBytes = 256 * 1024;  // config-show skips larger files
constexpr std::size_t kSnapshotLogLines = 10000;         // per log, the newest

// A deploy's files: args.files, and args.userconfig as conf/userconfig.xml.
Result<std::map<std::string, std::string>> deployFiles(const nlohmann::json& args) {
    std::map<std::string, std::string> files;
    if (args.contains("files")) {
        if (!args["files"].is_object()) return badInput("args.files: an object of file name -> text");
        for (const auto& [f, text] : args["files"].items()) {
            if (!text.is_string()) return badInput("args.files." + f + ": not a text");
            files[f] = text.get<std::string>();
        }
    }
    if (args.contains("userconfig")) {
        if (!args["userconfig"].is_string()) return badInput("args.userconfig: the text of a userconfig.xml");
        files["conf/userconfig.xml"] = args["userconfig"].get<std::string>();
    }
    return files;
}

// The userconfig.xml a check is about: args.userconfig, else the one among
// args.files (a deploy's preflight has the deploy's args, whose files are
// checked as the deploy will check them), else the module's own (a deploy
// of scripts alone: can the node still start?).
Result<std::string> userConfigToCheck(const nlohmann::json& args, const std::string& moduleDir) {
    auto files = deployFiles(args);
    if (!files) return files.error();
    if (args.contains("files"))
        if (auto c = checkDeployFiles(files.value()); !c) return c.error();
    if (auto u = files.value().find("conf/userconfig.xml"); u != files.value().end()) return u->second;
    auto own = readModuleFiles(moduleDir, kMaxConfigFileBytes);
    if (auto u = own.find("conf/userconfig.xml"); u != own.end()) return u->second;
    return badInput(moduleDir + "/conf/userconfig.xml: cannot be read");
}

}  // namespace

using control::Reply;
using control::Request;
using control::Responder;
using nlohmann::json;

// On the transports' thread (readCluster reads cluster.xml afresh).
json Daemon::checkUserConfig(const std::string& module, const std::string& text) const {
    json errors = json::array();
    auto cluster = readCluster();
    if (!cluster) {
        errors.push_back(cluster.error().message());
        return errors;
    }
    config::ParseContext ctx;
    ctx.cluster = cluster.value().get();
    ctx.moduleDir = moduleDir(module);
    ctx.interfaceFamilies = config::systemInterfaceFamilies;
    auto parsed = config::parseUserConfigText(text, "userconfig.xml", ctx);
    for (const auto& e : parsed.errors) errors.push_back(e.format());
    if (parsed.config) {
        auto plan = module::makeFarmPlan(*parsed.config, *cluster.value(), options_.node, module::localAddresses());
        if (!plan) errors.push_back(plan.error().message());
    }
    return errors;
}

// On the transports' thread (docs/design.md "Threads"): reading and parsing
// a module's files never holds up the heartbeat; what touches a module (its
// state, its log, its status) is queued on the modules' thread.
void Daemon::registerConfigCommands() {
    auto target = [this](const Request& r, Responder& respond) { return moduleOf(r, respond); };
    // The console's configuration view (admin: a userconfig.xml may hold
    // the scripts' secrets in its <var>s): the module's files as text, and a
    // check of an edited userconfig.xml exactly as a start would check it.
    (void)controlRegistry_.add("config-show", "the module's configuration files (conf/ and bin/) as text",
                        [=, this](const Request& r, Responder respond) {
                            auto name = target(r, respond);
                            if (!name) return;
                            json files = readModuleFiles(moduleDir(*name), kMaxConfigFileBytes);
                            respond(Reply::success("", json{{"module", *name}, {"files", files}}));
                        });
    (void)controlRegistry_.add("config-check",
                        "check a userconfig.xml (args.userconfig, or args.files as config-deploy takes them; none: the module's "
                        "own) as a start on this node would",
                        [=, this](const Request& r, Responder respond) {
                            auto name = target(r, respond);
                            if (!name) return;
                            json errors = json::array();
                            auto text = userConfigToCheck(r.args, moduleDir(*name));
                            if (!text) errors.push_back(text.error().message());
                            else errors = checkUserConfig(*name, text.value());
                            bool valid = errors.empty();
                            respond(Reply::success(valid ? "valid" : std::to_string(errors.size()) + " error(s)",
                                                   json{{"module", *name}, {"valid", valid}, {"errors", errors}}));
                        });
    // Sent through the API with "node": "all", config-check runs on every
    // node first with the same args (PeerRelay), so it is written
    // everywhere or nowhere. It takes effect at the module's next start.
    (void)controlRegistry_.add(
        "config-deploy",
        "write edited files (args.files: {\"conf/userconfig.xml\": text, \"bin/NAME\": text}); "
        "args.userconfig: the same as conf/userconfig.xml",
        [=, this](const Request& r, Responder respond) {
            auto name = target(r, respond);
            if (!name) return;
            auto parsed = deployFiles(r.args);
            if (!parsed) {
                respond(Reply::error(parsed.error().message()));
                return;
            }
            // The names are checked by writeModuleFiles, before anything is written.
            auto files = std::move(parsed.value());
            if (auto u = files.find("conf/userconfig.xml"); u != files.end()) {
                json errors = checkUserConfig(*name, u->second);
                if (!errors.empty()) {
                    respond(Reply{control::ResultCode::Error,
                                  "userconfig.xml refused, nothing written: " + errors[0].get<std::string>(),
                                  json{{"module", *name}, {"valid", false}, {"errors", errors}}});
                    return;
                }
            }
            // Written on the modules' thread: who asked and what was written
            // go into the module's log, next to whether it runs.
            onModules([this, r, respond, mod = *name, files = std::move(files)] {
                noteCommand(mod, r);
                auto* m = builtModule(mod);
                bool running = m && m->state() != module::ModuleState::Stop;
                auto written = writeModuleFiles(moduleDir(mod), files);
                Reply reply = Reply::error(written ? "" : written.error().message());
                if (written) {
                    std::string list;
                    for (const auto& w : written.value()) list += (list.empty() ? "" : ", ") + w;
                    if (auto s = this->slot(mod))
                        s.value()->log->info(control::MessageId::SF_CONFIG, "configuration deployed: " + list);
                    reply = Reply::success(
                        "wrote " + list + (running ? "; takes effect when " + mod + " restarts" : ""),
                        json{{"module", mod}, {"written", written.value()}, {"running", running}});
                }
                onTransports([respond, reply = std::move(reply)] { respond(reply); });
            });
        });
    // The module's status from the modules' thread; the logs' lines and the
    // files read back on the transports'.
    (void)controlRegistry_.add(
        "snapshot", "what support asks for, as files: status, counters, the logs' newest lines, the configuration",
        [=, this](const Request& r, Responder respond) {
            auto name = target(r, respond);
            if (!name) return;
            onModules([this, respond, mod = *name] {
                auto* m = builtModule(mod);
                json status = m ? m->status() : json{{"module", mod}, {"state", "STOP"}};
                onTransports([this, respond, mod, status = std::move(status)] {
                    json files = json::object();
                    files["status.json"] = status.dump(2) + "\n";
                    if (metrics_) files["metrics.txt"] = http::formatPrometheus(metrics_->collect());
                    auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
                    char when[32];
                    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
                    files["node.txt"] = "node " + options_.node + "\nmodule " + mod + "\ntaken " + when +
                                        "\nconfig " + moduleDir(mod) + "\n";
                    for (auto [file, path] : {std::pair{"logs/module.log", moduleLogPath(mod)},
                                              std::pair{"logs/application.log", appLogPath(mod)}}) {
                        auto lines = lastLines(path, kSnapshotLogLines);
                        std::string text;
                        if (lines)
                            for (const auto& l : lines.value()) text += l + "\n";
                        else
                            text = "(" + lines.error().message() + ")\n";
                        files[file] = text;
                    }
                    for (const auto& [f, text] : readModuleFiles(moduleDir(mod), kMaxConfigFileBytes)) files[f] = text;
                    respond(Reply::success(std::to_string(files.size()) + " files",
                                           json{{"module", mod}, {"node", options_.node}, {"files", files}}));
                });
            });
        });
    // The module's logs, read on the transports' thread.
    (void)controlRegistry_.add(
        "logs",
        "the path of the module log (args.app: the application log); args.lines N: its last N lines too "
        "(args.grep: only those that contain it)",
        [=, this](const Request& r, Responder respond) {
            auto name = target(r, respond);
            if (!name) return;
            std::string path = r.args.value("app", false) ? appLogPath(*name) : moduleLogPath(*name);
            json out{{"path", path}};
            if (r.args.contains("lines")) {
                if (!r.args["lines"].is_number_unsigned() || r.args["lines"].get<uint64_t>() > kMaxLogLines) {
                    respond(Reply::error("args.lines: a number of lines, 0 to " + std::to_string(kMaxLogLines)));
                    return;
                }
                auto lines = lastLines(path, r.args["lines"].get<size_t>(), r.args.value("grep", ""));
                if (!lines) {
                    respond(Reply::error(lines.error().message()));
                    return;
                }
                out["lines"] = lines.value();
            }
            respond(Reply::success("", out));
        });
}

}  // namespace safefarm::safed
