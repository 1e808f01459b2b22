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
                        "check a userconfig.xml (args.userconfig: its text) as a start on this node would",
                        [=, this](const Request& r, Responder respond) {
                            auto name = target(r, respond);
                            if (!name) return;
                            if (!r.args.contains("userconfig") || !r.args["userconfig"].is_string()) {
                                respond(Reply::error("args.userconfig: the text of a userconfig.xml"));
                                return;
                            }
                            json errors = checkUserConfig(*name, r.args["userconfig"].get<std::string>());
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
                            std::map<std::string, std::string> files;
                            if (r.args.contains("files")) {
                                if (!r.args["files"].is_object()) {
                                    respond(Reply::error("args.files: an object of file name -> text"));
                                    return;
                                }
                                for (const auto& [f, text] : r.args["files"].items()) {
                                    if (!text.is_string()) {
                                        respond(Reply::error("args.files." + f + ": not a text"));
                                        return;
                                    }
                                    files[f] = text.get<std::string>();
                                }
                            }
                            if (r.args.contains("userconfig") && r.args["userconfig"].is_string())
                                files["conf/userconfig.xml"] = r.args["userconfig"].get<std::string>();
                            if (auto c = checkDeployFiles(files); !c) {
                                respond(Reply::error(c.error().message()));
                                return;
                            }
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
                            auto slot = slots_.find(*name);
                            bool running = slot != slots_.end() && slot->second.module &&
                                           slot->second.module->state() != module::ModuleState::Stop;
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
                            auto it = slots_.find(*name);
                            bool started = it != slots_.end() && it->second.module;
                            json status = started ? it->second.module->status()
                                                  : json{{"module", *name}, {"state", "STOP"}};
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
