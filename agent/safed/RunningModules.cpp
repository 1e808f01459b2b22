#include "safed/RunningModules.h"

#include <boost/asio/post.hpp>

#include <algorithm>

#include "common/FileModes.h"
#include "config/ClusterKeyPath.h"
#include "dataplane/BpfDataPath.h"
#include "membership/Persist.h"
#include "module/FileRunningMark.h"
#include "module/HashKey.h"
#include "module/MembershipDriver.h"
#include "module/ModuleStatusJson.h"
#include "module/SteadyClock.h"
#include "safed/BootFlag.h"
#include "safed/Checkers.h"
#include "safed/LogPaths.h"

namespace safefarm::safed {

using control::MessageId;

namespace {

module::MembershipSettings membershipSettings(const config::ModuleConfig& cfg, const std::string& keyFile,
                                              const std::string& varDir) {
    module::MembershipSettings ms;
    ms.keyFile = keyFile;
    ms.incarnationFile = varDir + "/incarnation";
    ms.pulse = cfg.farm.pulse;
    ms.slostCount = cfg.farm.slostCount;
    ms.mlostCount = cfg.farm.mlostCount;
    ms.quorum = cfg.farm.quorum == config::Quorum::Majority ? membership::QuorumPolicy::Majority
                                                            : membership::QuorumPolicy::None;
    return ms;
}

}  // namespace

module::Module* RunningModules::built(const std::string& name) const {
    auto it = slots_.find(name);
    return it == slots_.end() ? nullptr : it->second.module.get();
}

RunState RunningModules::state(const std::string& name) const {
    RunState s;
    const auto* m = built(name);
    if (!m) return s;
    s.built = true;
    s.state = m->state();
    s.activity = m->activity();
    s.reason = m->reason();
    return s;
}

bool RunningModules::busy(const std::string& name) const {
    auto it = slots_.find(name);
    if (it == slots_.end()) return false;
    return it->second.starting || !state(name).stopped();
}

Result<RunningModules::Slot*> RunningModules::slot(const std::string& name) {
    auto& s = slots_[name];
    if (!s.log) {
        control::ModuleLogOptions o;
        o.logDir = options_.logDir;
        o.module = name;
        auto log = control::ModuleLog::open(o);
        if (!log) return log.error();
        s.log = std::move(log.value());
    }
    return &s;
}

Result<void> RunningModules::log(const std::string& name, control::Level level, MessageId id, const std::string& text) {
    auto s = slot(name);
    if (!s) return s.error();
    s.value()->log->log(level, id, text);
    return success();
}

// The module's files are read and parsed on the transports' thread
// (readModule), the module built and started back on this one; the slot
// says "starting" in between (busy).
void RunningModules::start(const std::string& name, Done done) {
    auto s = slot(name);
    if (!s) return done(s.error());
    s.value()->starting = true;
    deps_.onTransports([this, name, done] {
        auto recipe = readModule(name);
        boost::asio::post(deps_.io, [this, name, done, recipe = std::move(recipe)]() mutable {
            auto& slot = slots_.at(name);  // not erased while starting (busy)
            slot.starting = false;
            slot.module.reset();
            auto made = recipe ? buildModule(std::move(recipe.value())) : Result<module::Module*>(recipe.error());
            if (!made) {
                slot.log->error(MessageId::SF_MODULE_START_FAILED, name + ": " + made.error().message());
                return done(made.error());
            }
            made.value()->start(done);
        });
    });
}

void RunningModules::stop(const std::string& name, bool force, Done done) {
    if (auto* m = built(name)) return m->stop(force, std::move(done));
    done(badInput(name + " is not started"));
}

void RunningModules::restartApp(const std::string& name, const std::string& why, Done done) {
    if (auto* m = built(name)) return m->restartApp(why, std::move(done));
    done(badInput(name + " is not started"));
}

std::optional<nlohmann::json> RunningModules::status(const std::string& name) const {
    if (const auto* m = built(name)) return module::statusJson(m->snapshot());
    return std::nullopt;
}

std::vector<farm_bucket> RunningModules::table(const std::string& name) const {
    if (const auto* m = built(name)) return m->table();
    return {};
}

Result<nlohmann::json> RunningModules::whoServes(const std::string& name, const IpAddr& client,
                                                 std::optional<uint16_t> port) const {
    if (const auto* m = built(name)) return m->whoServes(client, port);
    return badInput(name + " is not started");
}

// A module is built from its configuration as it is on disk when it starts:
// parsed and checked whole first (ModuleLoad.h), so a broken file changes
// nothing. Only files and the interfaces' addresses are read here: it runs
// on the transports' thread (a start), or before the modules' thread serves.
Result<RunningModules::Recipe> RunningModules::readModule(const std::string& name) const {
    auto names = deps_.store.list();
    if (std::find(names.begin(), names.end(), name) == names.end())
        return badInput("no module '" + name + "' in " + deps_.store.folder());
    auto loaded = deps_.store.load(name, Scope::ThisNode);
    switch (loaded.refusedAt) {
        case LoadedModule::Step::Loaded: break;
        case LoadedModule::Step::Cluster: return badInput(loaded.errors[0]);
        case LoadedModule::Step::Config: return badInput(loaded.refusal("configuration of " + name));
        case LoadedModule::Step::Plan: return badInput(name + ": " + loaded.errors[0]);
    }
    auto cfg = loaded.config;

    // The key file of the module; the default one lives in the config folder.
    std::string keyFile = config::moduleKeyPath(cfg->farm.keyfile, options_.configDir);
    auto key = membership::loadClusterKey(keyFile);
    if (!key) return key.error();
    auto hashKey = module::bucketHashKey(key.value(), name);
    if (!hashKey) return hashKey.error();

    std::string varDir = options_.varDir + "/modules/" + name;
    // 0750 root:safefarm, also when an older safed made it 0755.
    if (auto made = files::makeFolders(varDir); !made) return made.error();
    if (auto set = files::setMode(varDir, files::kFolderMode); !set) return set.error();
    return Recipe{name, cfg, std::move(*loaded.plan), keyFile, hashKey.value(), varDir};
}

// The module, with the real kernel-facing pieces, from what readModule read.
Result<module::Module*> RunningModules::buildModule(Recipe recipe) {
    const std::string& name = recipe.name;
    const std::string& keyFile = recipe.keyFile;
    const std::string& varDir = recipe.varDir;
    auto cfg = recipe.config;
    auto sr = slot(name);
    if (!sr) return sr.error();
    Slot& s = *sr.value();
    // A new runner for each start; the old one's children (if any) stay
    // alive, as they would across a restart of safed.
    s.scripts.reset();
    auto appLog =
        app::AppLog::open(deps_.io, appLogPath(options_.logDir, name), uint64_t{cfg->user.userlogsize} * 1024);
    if (!appLog) return appLog.error();
    s.appLog = std::move(appLog.value());
    s.scripts = std::make_unique<app::ProcessRunner>(deps_.io, cfg->user.logging == "none" ? nullptr : s.appLog.get());

    auto ms = membershipSettings(*cfg, keyFile, varDir);
    // --xdp-mode was checked by the command line: a name parseXdpMode knows.
    BpfDataPathOptions dp{recipe.plan.ifname, options_.instance + "_" + name,
                          chooseXdpMode(parseXdpMode(options_.xdpMode).value_or(XdpMode::Auto), recipe.plan.xdpMode),
                          options_.bpffs};

    std::string dir = deps_.store.dir(name);
    module::ModulePaths paths{name, dir, varDir, options_.safeDir, options_.varDir};
    app::ScriptPaths scriptPaths{options_.safeDir, options_.safeDir, options_.varDir, name, dir, varDir};
    auto* log = s.log.get();
    auto planCopy = recipe.plan;
    auto& io = deps_.io;
    module::ModuleDeps deps{
        io,
        deps_.net,
        deps_.announcer,
        *s.scripts,
        [dp]() -> Result<std::unique_ptr<DataPath>> {
            auto r = BpfDataPath::open(dp);
            if (!r) return r.error();
            return std::unique_ptr<DataPath>(std::move(r.value()));
        },
        [dp]() { return BpfDataPath::remove(dp); },
        [&io, planCopy, ms]() -> std::unique_ptr<module::MembershipPort> {
            return std::make_unique<module::MembershipDriver>(io, planCopy, ms);
        },
        [log](control::Level level, MessageId id, const std::string& text) { log->log(level, id, text); },
        [&io, cfg, scriptPaths](app::VerdictHandler onVerdict) {
            return makeCheckers(io, *cfg, scriptPaths, onVerdict);
        },
        // The traffic (flow table, bucket counters) is read on the
        // transports' thread (safed joins it before any module is
        // destroyed).
        [onTransports = deps_.onTransports](std::function<void()> job) { onTransports(std::move(job)); },
        std::make_shared<module::SteadyClock>(io),
        std::make_unique<module::FileRunningMark>(varDir + "/running"),
    };
    s.module = std::make_unique<module::Module>(std::move(deps), paths, cfg, std::move(recipe.plan), recipe.hashKey,
                                                module::moduleTiming(cfg->farm));
    if (deps_.links) {
        auto up = deps_.links->watch(s.module->interfaceName());
        if (up && !up.value()) s.module->linkChanged(s.module->interfaceName(), false);
    }
    return s.module.get();
}

void RunningModules::resumeAll() {
    for (const auto& name : deps_.store.list()) {
        // Before the modules' thread serves anything: read here, at once.
        auto recipe = readModule(name);
        auto made = recipe ? buildModule(std::move(recipe.value())) : Result<module::Module*>(recipe.error());
        if (!made) {
            deps_.log.error(MessageId::SF_AGENT_RESUME, name + ": " + made.error().message());
            continue;
        }
        module::Module* m = made.value();
        if (m->wasRunning()) {
            if (auto r = m->resume(); !r) {
                deps_.log.error(MessageId::SF_AGENT_RESUME, "resuming " + name + ": " + r.error().message());
                slots_[name].log->error(MessageId::SF_MODULE_START_FAILED,
                                        name + ": resuming after a restart of safed: " + r.error().message());
            } else {
                deps_.log.info(MessageId::SF_AGENT_RESUME, name + ": adopted, as the previous safed left it");
            }
        } else if (startsAtBoot(options_.varDir, name, m->bootStart())) {
            deps_.log.info(MessageId::SF_AGENT_RESUME, name + ": starting (boot on)");
            m->start([this, name](Result<void> r) {
                if (!r)
                    deps_.log.error(MessageId::SF_AGENT_RESUME,
                                    "starting " + name + " at boot: " + r.error().message());
            });
        }
    }
}

void RunningModules::detachAll() {
    for (auto& [name, s] : slots_)
        if (s.module && s.module->state() != module::ModuleState::Stop) s.module->detach();
}

void RunningModules::linkChanged(const std::string& ifname, bool up) {
    for (auto& [name, s] : slots_)
        if (s.module) s.module->linkChanged(ifname, up);
}

std::set<std::string> RunningModules::upModules() const {
    std::set<std::string> up;
    for (const auto& [name, s] : slots_)
        if (s.module && s.module->state() == module::ModuleState::Up) up.insert(name);
    return up;
}

std::set<std::string> RunningModules::vips() const {
    std::set<std::string> out;
    for (const auto& [name, s] : slots_)
        if (s.module)
            for (const auto& v : s.module->vips()) out.insert(formatIp(v));
    return out;
}

std::vector<nlohmann::json> RunningModules::statuses(const std::vector<std::string>& installed) const {
    std::vector<nlohmann::json> out;
    for (const auto& name : installed)
        out.push_back(status(name).value_or(nlohmann::json{{"module", name}, {"state", "STOP"}}));
    return out;
}

}  // namespace safefarm::safed
