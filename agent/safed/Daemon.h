// safed: the controller of one node (STYLE: controller / process /
// configuration manager). It checks cluster.xml, opens the kernel-facing
// pieces, runs the modules (RunningModules) installed under <config>/modules
// (DiskModuleStore), and answers safectl (UNIX socket) and the console
// (HTTP) through the command registry (ModuleCommands, ConfigCommands,
// InstallCommand).
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

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "config/ClusterConfig.h"
#include "control/CommandRegistry.h"
#include "control/UnixServer.h"
#include "http/Certificate.h"
#include "http/HttpServer.h"
#include "net/Announcer.h"
#include "net/LinkWatcher.h"
#include "net/NetSetup.h"
#include "safed/AgentLog.h"
#include "safed/ConfigCommands.h"
#include "safed/DiskModuleStore.h"
#include "safed/InstallCommand.h"
#include "safed/Metrics.h"
#include "safed/ModuleCommands.h"
#include "safed/Options.h"
#include "safed/RunningModules.h"
#include "safed/StatusBoard.h"

namespace safefarm::safed {

class Daemon {
public:
    explicit Daemon(Options options);
    ~Daemon();
    int run();  // until SIGTERM/SIGINT; the exit code

private:
    void registerCommands();
    void onModules(std::function<void()> work);     // queued on the modules' thread
    void onTransports(std::function<void()> work);  // queued on the transports' thread
    Result<void> startHttp();
    http::CertificateFields certificateFields() const;
    http::PeerSetup peerSetup();
    void waitForHangup();
    void publishBoard();
    void stopTransports();
    void shutdown();

    Options options_;
    AgentLog log_;
    boost::asio::io_context io_;         // the modules' thread (main, SCHED_RR)
    boost::asio::io_context controlIo_;  // the transports' thread
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> controlWork_;
    boost::asio::signal_set signals_;
    boost::asio::signal_set hangup_;  // SIGHUP: the console's users file again (transports' thread)
    std::unique_ptr<net::NetSetup> net_;
    std::unique_ptr<net::Announcer> announcer_;
    std::unique_ptr<net::LinkWatcher> links_;
    DiskModuleStore store_;
    std::unique_ptr<RunningModules> modules_;         // the modules' thread
    control::CommandRegistry registry_;               // runs on the modules' thread
    control::CommandRegistry controlRegistry_;        // the transports': each command queued to registry_
    std::unique_ptr<ModuleCommands> moduleCommands_;  // registry_
    std::unique_ptr<ConfigCommands> configCommands_;  // controlRegistry_
    std::unique_ptr<InstallCommand> installCommand_;  // controlRegistry_
    StatusBoard board_;
    boost::asio::steady_timer boardTimer_;
    uint64_t boardTicks_ = 0;
    std::unique_ptr<control::UnixServer> server_;
    std::unique_ptr<StatusMetrics> metrics_;
    std::unique_ptr<http::HttpServer> http_;
    std::thread controlThread_;
};

}  // namespace safefarm::safed
