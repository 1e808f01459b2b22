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

json Daemon::checkUserConfig(const std::string& module, const std::string& text) {
    json errors = json::array();
    if (auto c = loadCluster(); !c) {
        errors.push_back(c.error().message());
        return errors;
    }
    config::ParseContext ctx;
    ctx.cluster = cluster_.get();
    ctx.moduleDir = moduleDir(module);
    ctx.interfaceFamilies = config::systemInterfaceFamilies;
    auto parsed = config::parseUserConfigText(text, "userconfig.xml", ctx);
    for (const auto& e : parsed.errors) errors.push_back(e.format());
    if (parsed.config) {
        auto plan = module::makeFarmPlan(*parsed.config, *cluster_, options_.node, module::localAddresses());
        if (!plan) errors.push_back(plan.error().message());
    }
    return errors;
}

void Daemon::registerConfigCommands() {
    auto target = [this](const Request& r, Responder& respond) { return moduleOf(r, respond); };
    // The console's configuration view (admin: a userconfig.xml may hold
    // the scripts' secrets in its <var>s): the module's files as text, and a
    // check of an edited userconfig.xml exactly as a start would check it.
    (void)registry_.add("config-show", "the module's configuration files (conf/ and bin/) as text",
                        [=, this](const Request& r, Responder respond) {
                            auto name = target(r, respond);
                            if (!name) return;
                            json files = readModuleFiles(moduleDir(*name), kMaxConfigFileBytes);
                            respond(Reply::success("", json{{"module", *name}, {"files", files}}));
                        });
    (void)registry_.add("config-check",
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
    (void)registry_.add("config-deploy",
                        "write edited files (args.files: {\"conf/userconfig.xml\": text, \"bin/NAME\": text}); "
                        "args.userconfig: the same as conf/userconfig.xml",
                        [=, this](const Request& r, Responder respond) {
                            auto name = target(r, respond);
                            if (!name) return;
                            noteCommand(*name, r);
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
                                                  "userconfig.xml refused, nothing written: " +
                                                      errors[0].get<std::string>(),
                                                  json{{"module", *name}, {"valid", false}, {"errors", errors}}});
                                    return;
                                }
                            }
                            auto* m = builtModule(*name);
                            bool running = m && m->state() != module::ModuleState::Stop;
                            auto written = writeModuleFiles(moduleDir(*name), files);
                            if (!written) {
                                respond(Reply::error(written.error().message()));
                                return;
                            }
                            std::string list;
                            for (const auto& w : written.value()) list += (list.empty() ? "" : ", ") + w;
                            if (auto s = this->slot(*name))
                                s.value()->log->info(control::MessageId::SF_CONFIG, "configuration deployed: " + list);
                            respond(Reply::success(
                                "wrote " + list + (running ? "; takes effect when " + *name + " restarts" : ""),
                                json{{"module", *name}, {"written", written.value()}, {"running", running}}));
                        });
    (void)registry_.add("snapshot",
                        "what support asks for, as files: status, counters, the logs' newest lines, the configuration",
                        [=, this](const Request& r, Responder respond) {
                            auto name = target(r, respond);
                            if (!name) return;
                            json files = json::object();
                            auto* m = builtModule(*name);
                            json status = m ? m->status() : json{{"module", *name}, {"state", "STOP"}};
                            files["status.json"] = status.dump(2) + "\n";
                            if (metrics_) files["metrics.txt"] = http::formatPrometheus(metrics_->collect());
                            auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
                            char when[32];
                            std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
                            files["node.txt"] = "node " + options_.node + "\nmodule " + *name + "\ntaken " + when +
                                                "\nconfig " + moduleDir(*name) + "\n";
                            if (auto s = slot(*name)) {
                                for (auto [file, path] : {std::pair{"logs/module.log", s.value()->log->path()},
                                                          std::pair{"logs/application.log", s.value()->appLogPath}}) {
                                    auto lines = lastLines(path, kSnapshotLogLines);
                                    std::string text;
                                    if (lines)
                                        for (const auto& l : lines.value()) text += l + "\n";
                                    else
                                        text = "(" + lines.error().message() + ")\n";
                                    files[file] = text;
                                }
                            }
                            for (const auto& [f, text] : readModuleFiles(moduleDir(*name), kMaxConfigFileBytes))
                                files[f] = text;
                            respond(Reply::success(std::to_string(files.size()) + " files",
                                                   json{{"module", *name}, {"node", options_.node}, {"files", files}}));
                        });
}

}  // namespace safefarm::safed
