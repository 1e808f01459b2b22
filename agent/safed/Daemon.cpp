#include "safed/Daemon.h"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "config/ClusterKeyPath.h"
#include "control/ThreadHop.h"
#include "http/Certificate.h"
#include "http/PeerAuth.h"
#include "http/PrometheusText.h"
#include "membership/Persist.h"
#include "module/FarmPlan.h"
#include "net/NetlinkSetup.h"
#include "safed/Realtime.h"

namespace safefarm::safed {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// The modules folder as a start sees this node (ModuleLoad.h).
DiskStoreOptions storeOptions(const Options& o) {
    DiskStoreOptions d;
    d.configDir = o.configDir;
    d.machine.node = o.node;
    return d;
}

}  // namespace

Daemon::Daemon(Options options)
    : options_(std::move(options)),
      log_(std::cerr),
      controlWork_(boost::asio::make_work_guard(controlIo_)),
      signals_(io_, SIGTERM, SIGINT),
      hangup_(controlIo_, SIGHUP),
      store_(storeOptions(options_)),
      boardTimer_(io_) {
    if (options_.safeDir.empty()) {
        std::error_code ec;
        options_.safeDir = fs::read_symlink("/proc/self/exe", ec).parent_path().string();
    }
}

Daemon::~Daemon() {
    if (controlThread_.joinable()) {  // run() left early: the transports' thread must end first
        controlIo_.stop();
        controlThread_.join();
    }
}

void Daemon::onModules(std::function<void()> work) { boost::asio::post(io_, std::move(work)); }
void Daemon::onTransports(std::function<void()> work) { boost::asio::post(controlIo_, std::move(work)); }

// Three tables of commands: those that act on a running module answer on
// the modules' thread (registry_, reached through controlRegistry_), the
// configuration's and the install's on the transports'.
void Daemon::registerCommands() {
    Threads threads{[this](std::function<void()> w) { onModules(std::move(w)); },
                    [this](std::function<void()> w) { onTransports(std::move(w)); }};
    moduleCommands_ = std::make_unique<ModuleCommands>(*modules_, store_, threads, options_.node);
    ConfigCommandsOptions config{options_.node, options_.logDir, [this]() -> std::optional<std::string> {
                                     if (!metrics_) return std::nullopt;
                                     return http::formatPrometheus(metrics_->collect());
                                 }};
    configCommands_ = std::make_unique<ConfigCommands>(*modules_, store_, threads, std::move(config));
    installCommand_ = std::make_unique<InstallCommand>(*modules_, store_, threads);
    configCommands_->registerIn(controlRegistry_);
    installCommand_->registerIn(controlRegistry_);
    moduleCommands_->registerIn(registry_);
    control::hopTo(registry_, io_.get_executor(), controlIo_.get_executor(), controlRegistry_);
}

// On the transports' thread: no new request, then the thread ends. Called
// from the modules' thread, which waits for it.
void Daemon::stopTransports() {
    if (!controlThread_.joinable()) return;
    boost::asio::post(controlIo_, [this] {
        if (http_) http_->stop();
        if (server_) server_->stop();
        hangup_.cancel();
        controlWork_.reset();
        controlIo_.stop();
    });
    controlThread_.join();
}

void Daemon::shutdown() {
    log_.info(control::MessageId::SF_AGENT_STOP, "stopping; the modules that run keep serving for the next safed");
    stopTransports();
    if (modules_) modules_->detachAll();
    boardTimer_.cancel();
    io_.stop();
}

// ready.txt and /metrics, for the transports' thread (StatusBoard.h): which
// modules are UP every 100 ms, the statuses once a second.
void Daemon::publishBoard() {
    board_.publishUp(modules_->upModules());
    board_.publishVips(modules_->vips());
    if (boardTicks_++ % 10 == 0) board_.publishStatuses(modules_->statuses(store_.list()));
    boardTimer_.expires_after(100ms);
    boardTimer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) publishBoard();
    });
}

// The control API and console on the same command registry as the UNIX
// socket: ready.txt answers from the modules' state, /metrics from their
// status.
Result<void> Daemon::startHttp() {
    http::HttpOptions o = options_.api;
    if (o.usersFile.empty()) o.usersFile = options_.configDir + "/users.json";
    if (options_.tls == "auto" && o.tlsCertFile.empty()) {
        o.tlsCertFile = options_.configDir + "/tls/api.crt";
        o.tlsKeyFile = options_.configDir + "/tls/api.key";
        if (auto r = http::ensureSelfSignedPair(o.tlsCertFile, o.tlsKeyFile, certificateFields()); !r)
            return Error{0,
                         "the control API's certificate (--tls-cert/--tls-key to give one, --tls off for plain "
                         "HTTP): " +
                             r.error().message()};
    }
    // Both answered on the transports' thread, from what the modules'
    // thread published (StatusBoard.h).
    metrics_ = std::make_unique<StatusMetrics>(options_.node, [this] { return board_.statuses(); });
    http::HttpHooks hooks;
    hooks.moduleUp = [this](const std::string& name) { return board_.up(name); };
    hooks.serviceAddress = [this](const std::string& address) { return board_.isVip(address); };
    hooks.metrics = metrics_.get();
    hooks.peers = peerSetup();
    http_ = std::make_unique<http::HttpServer>(controlIo_, controlRegistry_, o, hooks);
    if (auto r = http_->start(); !r)
        return Error{0, "the control API on " + o.address + ":" + std::to_string(o.port) + ": " + r.error().message()};
    log_.info(control::MessageId::SF_AGENT_API,
              "control API and console on " + o.address + ":" + std::to_string(http_->port()) +
                  (o.tlsCertFile.empty() ? " (plain HTTP)" : " (HTTPS, certificate " + o.tlsCertFile + ")"));
    return success();
}

// The API's own certificate, made once when the operator gives none: for
// this node's names and its addresses in cluster.xml, so a client that
// trusts it (curl --cacert, a browser's exception) finds the name it used.
http::CertificateFields Daemon::certificateFields() const {
    http::CertificateFields f;
    char host[256] = {};
    std::string hostname = ::gethostname(host, sizeof host - 1) == 0 ? host : "";
    f.commonName = !options_.node.empty() ? options_.node : !hostname.empty() ? hostname : "safed";
    std::vector<std::string> names = {"DNS:localhost", "IP:127.0.0.1", "IP:::1"};
    auto add = [&names](std::string n) {
        if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(std::move(n));
    };
    for (const auto& n : {options_.node, hostname})
        if (http::PeerAuth::validName(n)) add("DNS:" + n);
    // Our addresses in cluster.xml: by name, or (no --node) those this machine has.
    auto local = module::localAddresses();
    auto ours = [&](const config::ClusterNode& n) {
        if (!options_.node.empty()) return n.name == options_.node;
        return std::any_of(local.begin(), local.end(), [&](const auto& l) { return l.addr == n.addr; });
    };
    auto parsed = config::parseClusterFile(options_.configDir + "/cluster.xml");
    if (parsed.config)
        for (const auto& lan : parsed.config->lans)
            for (const auto& n : lan.nodes)
                if (ours(n)) add("IP:" + formatIp(n.addr));
    boost::system::error_code ec;
    auto listen = boost::asio::ip::make_address(options_.api.address, ec);
    if (!ec && !listen.is_unspecified()) add("IP:" + listen.to_string());
    f.altNames = std::move(names);
    return f;
}

// The other nodes' APIs, for a console that acts on every node through
// this one: their addresses on cluster.xml's first lan, our own port, the
// cluster key that signs the calls.
http::PeerSetup Daemon::peerSetup() {
    http::PeerSetup p;
    p.self = options_.node;
    // Read on the transports' thread: its own parse, not cluster_ (the
    // modules' thread's).
    p.nodes = [file = options_.configDir + "/cluster.xml", port = options_.api.port] {
        std::vector<http::PeerNode> out;
        auto parsed = config::parseClusterFile(file);
        if (!parsed.config || parsed.config->lans.empty()) return out;
        for (const auto& n : parsed.config->lans.front().nodes)
            out.push_back(http::PeerNode{n.name, formatIp(n.addr), port});
        return out;
    };
    auto key = membership::loadClusterKey(config::clusterKeyPath(options_.configDir));
    if (key)
        p.key = std::move(key.value());
    else
        p.keyProblem = key.error().message();
    return p;
}

void Daemon::waitForHangup() {
    hangup_.async_wait([this](const boost::system::error_code& ec, int) {
        if (ec) return;
        if (http_) {
            if (auto r = http_->reloadUsers(); !r)
                log_.error(control::MessageId::SF_AGENT_USERS,
                           "SIGHUP: " + r.error().message() + " (the users stay as they were)");
            else
                log_.info(control::MessageId::SF_AGENT_USERS, "SIGHUP: users file read again");
        }
        waitForHangup();
    });
}

int Daemon::run() {
    auto failed = [this](const Error& e) {
        log_.error(control::MessageId::SF_AGENT_START_FAILED, e.message());
        return 1;
    };
    auto nl = net::NetlinkSetup::open();
    if (!nl) return failed(nl.error());
    net_ = std::move(nl.value());
    auto ann = net::PacketAnnouncer::open();
    if (!ann) return failed(ann.error());
    announcer_ = std::move(ann.value());
    if (auto r = readCluster(options_.configDir + "/cluster.xml"); !r) {
        log_.error(control::MessageId::SF_AGENT_CONFIG, r.error().message());
        return 1;
    }
    // Link state of the modules' interfaces, from netlink (not sysfs).
    links_ = std::make_unique<net::LinkWatcher>(io_, [this](const std::string& ifname, bool up) {
        if (modules_) modules_->linkChanged(ifname, up);
    });
    if (auto r = links_->start(); !r) return failed(r.error());
    modules_ = std::make_unique<RunningModules>(
        RunningDeps{io_, *net_, *announcer_, links_.get(), store_,
                    [this](std::function<void()> w) { onTransports(std::move(w)); }, log_},
        options_);
    registerCommands();
    modules_->resumeAll();
    server_ = std::make_unique<control::UnixServer>(controlIo_, controlRegistry_, options_.socket);
    if (auto r = server_->start(); !r) return failed(r.error());
    if (options_.http)
        if (auto r = startHttp(); !r) return failed(r.error());
    signals_.async_wait([this](const boost::system::error_code& ec, int) {
        if (!ec) shutdown();
    });
    waitForHangup();
    publishBoard();
    controlThread_ = std::thread([this] {
        if (auto r = useNormalScheduling(); !r) log_.warn(control::MessageId::SF_AGENT_SCHEDULING, r.error().message());
        controlIo_.run();
    });
    // The modules' thread only (Options::rtPriority); not fatal: without
    // CAP_SYS_NICE safed runs, only more easily starved.
    if (auto r = useRealtimeScheduling(options_.rtPriority); !r)
        log_.warn(control::MessageId::SF_AGENT_SCHEDULING, r.error().message() + "; running under the normal policy");
    std::string modules;
    for (const auto& m : store_.list()) modules += m + " ";
    log_.info(control::MessageId::SF_AGENT_START, "serving " + options_.socket + " (modules: " + modules + ")");
    io_.run();
    stopTransports();  // io_ stopped some other way: never leave the thread running
    return 0;
}

}  // namespace safefarm::safed
