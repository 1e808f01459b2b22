// safed: the controller of one node (STYLE: controller / process /
// configuration manager). It loads cluster.xml, knows the modules installed
// under <config>/modules, builds a Module with the real kernel-facing pieces
// when one is started, and answers safectl (UNIX socket) and the console
// (HTTP) through the command registry.
// Two threads (docs/design.md "Threads"): the modules' (io_, SCHED_RR: the
// membership, the lease, epochs, scripts' supervision, what acts on a
// module) and the transports' (controlIo_, normal policy: HTTP, TLS,
// logins, the UNIX socket, reading and parsing files, the flow table),
// which queue each command on the modules' thread.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "app/AppLog.h"
#include "app/ProcessRunner.h"
#include "config/ClusterConfig.h"
#include "control/CommandRegistry.h"
#include "control/ModuleLog.h"
#include "control/UnixServer.h"
#include "http/Certificate.h"
#include "http/HttpServer.h"
#include "module/Module.h"
#include "net/Announcer.h"
#include "net/LinkWatcher.h"
#include "net/NetSetup.h"
#include "safed/Metrics.h"
#include "safed/Options.h"
#include "safed/StatusBoard.h"

namespace safefarm::safed {

class Daemon {
public:
    explicit Daemon(Options options);
    ~Daemon();
    int run();  // until SIGTERM/SIGINT; the exit code

private:
    struct Slot {
        std::unique_ptr<control::ModuleLog> log;
        std::unique_ptr<app::AppLog> appLog;
        std::unique_ptr<app::ProcessRunner> scripts;
        std::unique_ptr<module::Module> module;
        std::string appLogPath;
        bool starting = false;  // a start reads the module's files on the transports' thread
    };
    // What a start reads from disk (cluster.xml, userconfig.xml, the cluster
    // key), parsed and checked whole: read on the transports' thread, built
    // on the modules' (docs/design.md "Threads").
    struct ModuleRecipe {
        std::string name;
        std::shared_ptr<const config::ModuleConfig> config;
        module::FarmPlan plan;
        std::string keyFile;
        std::array<uint64_t, 2> hashKey{};
        std::string varDir;
    };

    Result<std::shared_ptr<const config::ClusterConfig>> readCluster() const;  // any thread
    std::vector<std::string> installedModules() const;
    std::string moduleDir(const std::string& name) const;
    Result<Slot*> slot(const std::string& name);
    // The module built for `name` (started, or stopped since), or null.
    module::Module* builtModule(const std::string& name) const;
    bool moduleBusy(const std::string& name) const;  // started, or starting or stopping
    Result<ModuleRecipe> readModule(const std::string& name) const;  // any thread
    Result<module::Module*> buildModule(ModuleRecipe recipe);       // the modules' thread
    void registerCommands();        // Commands.cpp
    void registerConfigCommands();  // ConfigCommands.cpp
    void registerControlCommands();  // ControlCommands.cpp: their heavy part on the transports' thread
    void onModules(std::function<void()> work);   // queued on the modules' thread
    void onTransports(std::function<void()> work);  // queued on the transports' thread
    // The module a request is about, or nullopt once `respond` said why not.
    std::optional<std::string> moduleOf(const control::Request& r, const control::Responder& respond) const;
    // An edited userconfig.xml checked as a start here would check it: the
    // errors (none: valid).
    nlohmann::json checkUserConfig(const std::string& module, const std::string& text) const;
    // Where a module's logs are (control::ModuleLog, app::AppLog): known
    // without opening them, on any thread.
    std::string moduleLogPath(const std::string& module) const { return options_.logDir + "/" + module + "/module.log"; }
    std::string appLogPath(const std::string& module) const { return options_.logDir + "/" + module + "/application.log"; }
    nlohmann::json unstartedStatus(const std::string& module) const;  // Commands.cpp; any thread
    void noteCommand(const std::string& module, const control::Request& r);
    void resumeModules();
    Result<void> startHttp();
    http::CertificateFields certificateFields() const;
    http::PeerSetup peerSetup();
    void waitForHangup();
    void publishBoard();
    void stopTransports();
    void shutdown();

    Options options_;
    boost::asio::io_context io_;         // the modules' thread (main, SCHED_RR)
    boost::asio::io_context controlIo_;  // the transports' thread
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> controlWork_;
    boost::asio::signal_set signals_;
    boost::asio::signal_set hangup_;  // SIGHUP: the console's users file again (transports' thread)
    std::unique_ptr<net::NetSetup> net_;
    std::unique_ptr<net::Announcer> announcer_;
    std::unique_ptr<net::LinkWatcher> links_;
    std::map<std::string, Slot> slots_;
    control::CommandRegistry registry_;         // runs on the modules' thread
    control::CommandRegistry controlRegistry_;  // the transports': each command queued to registry_
    StatusBoard board_;
    boost::asio::steady_timer boardTimer_;
    uint64_t boardTicks_ = 0;
    uint64_t installs_ = 0;  // names each install's staging folder (transports' thread)
    uint64_t removals_ = 0;  // names each removed module's folder until it is deleted (modules' thread)
    std::unique_ptr<control::UnixServer> server_;
    std::unique_ptr<StatusMetrics> metrics_;
    std::unique_ptr<http::HttpServer> http_;
    std::thread controlThread_;
};

}  // namespace safefarm::safed
