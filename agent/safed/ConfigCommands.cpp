#include "safed/ConfigCommands.h"

#include <chrono>
#include <ctime>

#include "control/Tail.h"
#include "safed/ConfigFiles.h"
#include "safed/LogPaths.h"

namespace safefarm::safed {

using control::Reply;
using nlohmann::json;

namespace {

constexpr std::size_t kSnapshotLogLines = 10000;  // per log, the newest

// A deploy's files: args.files, and args.userconfig as conf/userconfig.xml.
Result<std::map<std::string, std::string>> deployFiles(const json& args) {
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

}  // namespace

void ConfigCommands::registerIn(control::CommandRegistry& registry) {
    using C = ConfigCommands;
    static const CommandRow<C> rows[] = {
        {"config-show", "the module's configuration files (conf/ and bin/) as text", Target::Module, &C::show},
        {"config-check",
         "check a userconfig.xml (args.userconfig, or args.files as config-deploy takes them; none: the module's "
         "own) as a start on this node would",
         Target::Module, &C::check},
        {"config-deploy",
         "write edited files (args.files: {\"conf/userconfig.xml\": text, \"bin/NAME\": text}); "
         "args.userconfig: the same as conf/userconfig.xml",
         Target::Module, &C::deploy},
        {"snapshot", "what support asks for, as files: status, counters, the logs' newest lines, the configuration",
         Target::Module, &C::snapshot},
        {"logs",
         "the path of the module log (args.app: the application log); args.lines N: its last N lines too "
         "(args.grep: only those that contain it)",
         Target::Module, &C::logs},
    };
    addCommands<C>(registry, *this, store_, rows);
}

// Exactly as a start on this node would check it (ModuleLoad.h).
json ConfigCommands::checkUserConfig(const std::string& module, const std::string& text) const {
    json errors = json::array();
    for (const auto& e : store_.load(module, Scope::ThisNode, text).errors) errors.push_back(e);
    return errors;
}

// The userconfig.xml a check is about: args.userconfig, else the one among
// args.files (a deploy's preflight has the deploy's args, whose files are
// checked as the deploy will check them), else the module's own (a deploy
// of scripts alone: can the node still start?).
Result<std::string> ConfigCommands::userConfigToCheck(const json& args, const std::string& module) const {
    auto files = deployFiles(args);
    if (!files) return files.error();
    if (args.contains("files"))
        if (auto c = checkDeployFiles(files.value()); !c) return c.error();
    if (auto u = files.value().find("conf/userconfig.xml"); u != files.value().end()) return u->second;
    auto own = store_.readFiles(module);
    if (auto u = own.find("conf/userconfig.xml"); u != own.end()) return u->second;
    return badInput(store_.dir(module) + "/conf/userconfig.xml: cannot be read");
}

void ConfigCommands::show(const std::string& module, const Request&, const Responder& respond) {
    json files = store_.readFiles(module);
    respond(Reply::success("", json{{"module", module}, {"files", files}}));
}

void ConfigCommands::check(const std::string& module, const Request& r, const Responder& respond) {
    json errors = json::array();
    auto text = userConfigToCheck(r.args, module);
    if (!text)
        errors.push_back(text.error().message());
    else
        errors = checkUserConfig(module, text.value());
    bool valid = errors.empty();
    respond(Reply::success(valid ? "valid" : std::to_string(errors.size()) + " error(s)",
                           json{{"module", module}, {"valid", valid}, {"errors", errors}}));
}

// Sent through the API with "node": "all", config-check runs on every node
// first with the same args (PeerRelay), so it is written everywhere or
// nowhere. It takes effect at the module's next start.
void ConfigCommands::deploy(const std::string& module, const Request& r, const Responder& respond) {
    auto parsed = deployFiles(r.args);
    if (!parsed) return respond(Reply::error(parsed.error().message()));
    // The names are checked when written, before anything is.
    auto files = std::move(parsed.value());
    if (auto u = files.find("conf/userconfig.xml"); u != files.end()) {
        json errors = checkUserConfig(module, u->second);
        if (!errors.empty())
            return respond(Reply{control::ResultCode::Error,
                                 "userconfig.xml refused, nothing written: " + errors[0].get<std::string>(),
                                 json{{"module", module}, {"valid", false}, {"errors", errors}}});
    }
    // Written on the modules' thread: who asked and what was written go
    // into the module's log, next to whether it runs.
    threads_.modules([this, r, respond, module, files = std::move(files)] {
        noteCommand(modules_, module, r);
        auto s = modules_.state(module);
        bool running = s.built && s.state != module::ModuleState::Stop;
        auto written = store_.writeFiles(module, files);
        Reply reply = Reply::error(written ? "" : written.error().message());
        if (written) {
            std::string list;
            for (const auto& w : written.value()) list += (list.empty() ? "" : ", ") + w;
            (void)modules_.log(module, control::Level::Info, control::MessageId::SF_CONFIG,
                               "configuration deployed: " + list);
            reply = Reply::success("wrote " + list + (running ? "; takes effect when " + module + " restarts" : ""),
                                   json{{"module", module}, {"written", written.value()}, {"running", running}});
        }
        threads_.transports([respond, reply = std::move(reply)] { respond(reply); });
    });
}

// The module's status from the modules' thread; the logs' lines and the
// files read back on the transports'.
void ConfigCommands::snapshot(const std::string& module, const Request&, const Responder& respond) {
    threads_.modules([this, respond, module] {
        json status = modules_.status(module).value_or(json{{"module", module}, {"state", "STOP"}});
        threads_.transports([this, respond, module, status = std::move(status)] {
            json files = snapshotFiles(module, status);
            respond(Reply::success(std::to_string(files.size()) + " files",
                                   json{{"module", module}, {"node", options_.node}, {"files", files}}));
        });
    });
}

json ConfigCommands::snapshotFiles(const std::string& module, const json& status) const {
    json files = json::object();
    files["status.json"] = status.dump(2) + "\n";
    if (auto m = options_.metrics ? options_.metrics() : std::nullopt) files["metrics.txt"] = *m;
    auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    files["node.txt"] =
        "node " + options_.node + "\nmodule " + module + "\ntaken " + when + "\nconfig " + store_.dir(module) + "\n";
    for (auto [file, path] : {std::pair{"logs/module.log", moduleLogPath(options_.logDir, module)},
                              std::pair{"logs/application.log", appLogPath(options_.logDir, module)}}) {
        auto lines = control::lastLines(path, kSnapshotLogLines);
        std::string text;
        if (lines)
            for (const auto& l : lines.value().lines) text += l + "\n";
        else if (lines.error().code != ENOENT)  // no log yet: an empty one
            text = "(" + lines.error().message() + ")\n";
        files[file] = text;
    }
    for (const auto& [f, text] : store_.readFiles(module)) files[f] = text;
    return files;
}

void ConfigCommands::logs(const std::string& module, const Request& r, const Responder& respond) {
    std::string path =
        r.args.value("app", false) ? appLogPath(options_.logDir, module) : moduleLogPath(options_.logDir, module);
    json out{{"path", path}};
    if (r.args.contains("lines")) {
        if (!r.args["lines"].is_number_unsigned() || r.args["lines"].get<uint64_t>() > control::kMaxLogLines)
            return respond(
                Reply::error("args.lines: a number of lines, 0 to " + std::to_string(control::kMaxLogLines)));
        control::TailOptions tail;
        tail.grep = r.args.value("grep", "");
        auto lines = control::lastLines(path, r.args["lines"].get<size_t>(), tail);
        // No log yet (a module never started): no lines.
        if (!lines && lines.error().code != ENOENT) return respond(Reply::error(lines.error().message()));
        out["lines"] = lines ? lines.value().lines : std::vector<std::string>{};
    }
    respond(Reply::success("", out));
}

}  // namespace safefarm::safed
