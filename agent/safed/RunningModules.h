// The modules that run on this node, with the real kernel-facing pieces
// (the XDP data path, netlink, the membership over UDP, the application's
// scripts and checkers): the ModuleManager safed runs with, and the one
// place safed calls a module::Module. On the modules' thread; a start reads
// the module's files on the transports' (docs/design.md "Threads").
#pragma once

#include <boost/asio/io_context.hpp>

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "app/AppLog.h"
#include "app/ProcessRunner.h"
#include "control/ModuleLog.h"
#include "module/Module.h"
#include "net/Announcer.h"
#include "net/LinkWatcher.h"
#include "net/NetSetup.h"
#include "safed/AgentLog.h"
#include "safed/ModuleManager.h"
#include "safed/ModuleStore.h"
#include "safed/Options.h"

namespace safefarm::safed {

struct RunningDeps {
    boost::asio::io_context& io;  // the modules' thread
    net::NetSetup& net;
    net::Announcer& announcer;
    net::LinkWatcher* links;  // null: no link watch
    ModuleStore& store;
    std::function<void(std::function<void()>)> onTransports;
    AgentLog& log;
};

class RunningModules : public ModuleManager {
public:
    RunningModules(RunningDeps deps, Options options) : deps_(std::move(deps)), options_(std::move(options)) {}

    RunState state(const std::string& module) const override;
    bool busy(const std::string& module) const override;
    void start(const std::string& module, Done done) override;
    void stop(const std::string& module, bool force, Done done) override;
    void restartApp(const std::string& module, const std::string& why, Done done) override;
    std::optional<nlohmann::json> status(const std::string& module) const override;
    std::vector<farm_bucket> table(const std::string& module) const override;
    Result<nlohmann::json> whoServes(const std::string& module, const IpAddr& client,
                                     std::optional<uint16_t> port) const override;
    Result<void> log(const std::string& module, control::Level level, control::MessageId id,
                     const std::string& text) override;
    void forget(const std::string& module) override { slots_.erase(module); }

    // safed starting, before the modules' thread serves: the modules a
    // previous safed left running (crash, upgrade) carry on; those with
    // <service boot="on"> start.
    void resumeAll();
    // safed exiting: the modules stay as they are (the filter and the
    // application keep serving within the lease), for the next safed to
    // adopt. `safectl stop` is how a module is stopped.
    void detachAll();
    void linkChanged(const std::string& ifname, bool up);
    // For ready.txt and /metrics (StatusBoard.h).
    std::set<std::string> upModules() const;
    std::set<std::string> vips() const;
    std::vector<nlohmann::json> statuses(const std::vector<std::string>& installed) const;

private:
    struct Slot {
        std::unique_ptr<control::ModuleLog> log;
        std::unique_ptr<app::AppLog> appLog;
        std::unique_ptr<app::ProcessRunner> scripts;
        std::unique_ptr<module::Module> module;
        bool starting = false;  // a start reads the module's files on the transports' thread
    };
    // What a start reads from disk (cluster.xml, userconfig.xml, the cluster
    // key), parsed and checked whole: read on the transports' thread, built
    // on the modules'.
    struct Recipe {
        std::string name;
        std::shared_ptr<const config::ModuleConfig> config;
        module::FarmPlan plan;
        std::string keyFile;
        std::array<uint64_t, 2> hashKey{};
        std::string varDir;
    };

    Result<Slot*> slot(const std::string& name);
    module::Module* built(const std::string& name) const;      // started, or stopped since; or null
    Result<Recipe> readModule(const std::string& name) const;  // any thread
    Result<module::Module*> buildModule(Recipe recipe);

    RunningDeps deps_;
    Options options_;
    std::map<std::string, Slot> slots_;
};

}  // namespace safefarm::safed
