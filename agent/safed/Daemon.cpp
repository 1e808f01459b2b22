#include "safed/Daemon.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "common/FileModes.h"
#include "http/Certificate.h"
#include "http/PeerAuth.h"
#include "config/ModuleConfig.h"
#include "dataplane/BpfDataPath.h"
#include "membership/Persist.h"
#include "module/FarmPlan.h"
#include "module/HashKey.h"
#include "module/MembershipDriver.h"
#include "safed/BootFlag.h"
#include "control/ThreadHop.h"
#include "safed/Checkers.h"
#include "safed/Realtime.h"
#include "net/NetlinkSetup.h"

namespace safefarm::safed {

namespace fs = std::filesystem;
using control::Reply;
using control::Request;
using control::Responder;
using namespace std::chrono_literals;

Daemon::Daemon(Options options)
    : options_(std::move(options)),
      controlWork_(boost::asio::make_work_guard(controlIo_)),
      signals_(io_, SIGTERM, SIGINT),
      hangup_(controlIo_, SIGHUP),
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

Result<std::shared_ptr<const config::ClusterConfig>> Daemon::readCluster() const {
    auto parsed = config::parseClusterFile(options_.configDir + "/cluster.xml");
    if (!parsed.config) {
        std::string all;
        for (const auto& e : parsed.errors) all += "\n  " + e.format();
        return badInput("cluster configuration refused:" + all);
    }
    return std::shared_ptr<const config::ClusterConfig>(parsed.config);
}

std::vector<std::string> Daemon::installedModules() const {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(options_.configDir + "/modules", ec))
        // .NAME.new / .NAME.old / .NAME.removedN: a module being installed or removed
        if (e.path().filename().string()[0] != '.' && fs::exists(e.path() / "conf" / "userconfig.xml"))
            names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

std::string Daemon::moduleDir(const std::string& name) const { return options_.configDir + "/modules/" + name; }

Result<Daemon::Slot*> Daemon::slot(const std::string& name) {
    auto& s = slots_[name];
    if (!s.log) {
        control::ModuleLogOptions o;
        o.logDir = options_.logDir;
        o.module = name;
        auto log = control::ModuleLog::open(o);
        if (!log) return log.error();
        s.log = std::move(log.value());
        s.appLogPath = appLogPath(name);
    }
    return &s;
}

// A module is built from its configuration as it is on disk when it starts:
// parsed and checked whole first, so a broken file changes nothing. Only
// files and the interfaces' addresses are read here: it runs on the
// transports' thread (a start), or before the modules' thread serves.
Result<Daemon::ModuleRecipe> Daemon::readModule(const std::string& name) const {
    auto names = installedModules();
    if (std::find(names.begin(), names.end(), name) == names.end())
        return badInput("no module '" + name + "' in " + options_.configDir + "/modules");
    auto cluster = readCluster();
    if (!cluster) return cluster.error();

    config::ParseContext ctx;
    ctx.cluster = cluster.value().get();
    ctx.moduleDir = moduleDir(name);
    ctx.interfaceFamilies = config::systemInterfaceFamilies;
    auto parsed = config::parseUserConfigFile(moduleDir(name) + "/conf/userconfig.xml", ctx);
    if (!parsed.config) {
        std::string all;
        for (const auto& e : parsed.errors) all += "\n  " + e.format();
        return badInput("configuration of " + name + " refused:" + all);
    }
    auto cfg = parsed.config;
    auto plan = module::makeFarmPlan(*cfg, *cluster.value(), options_.node, module::localAddresses());
    if (!plan) return badInput(name + ": " + plan.error().message());

    // The key file of the module; the default one lives in the config folder.
    std::string keyFile = cfg->farm.keyfile;
    if (keyFile == "/etc/safefarm/cluster.key") keyFile = options_.configDir + "/cluster.key";
    auto key = membership::loadClusterKey(keyFile);
    if (!key) return key.error();
    auto hashKey = module::bucketHashKey(key.value(), name);
    if (!hashKey) return hashKey.error();

    std::string varDir = options_.varDir + "/modules/" + name;
    // 0750 root:safefarm, also when an older safed made it 0755.
    if (auto made = files::makeFolders(varDir); !made) return made.error();
    if (auto set = files::setMode(varDir, files::kFolderMode); !set) return set.error();
    return ModuleRecipe{name, cfg, std::move(plan.value()), keyFile, hashKey.value(), varDir};
}

// The module, with the real kernel-facing pieces, from what readModule read.
Result<module::Module*> Daemon::buildModule(ModuleRecipe recipe) {
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
    auto appLog = app::AppLog::open(io_, s.appLogPath, uint64_t{cfg->user.userlogsize} * 1024);
    if (!appLog) return appLog.error();
    s.appLog = std::move(appLog.value());
    s.scripts = std::make_unique<app::ProcessRunner>(io_, cfg->user.logging == "none" ? nullptr : s.appLog.get());

    module::MembershipSettings ms;
    ms.keyFile = keyFile;
    ms.incarnationFile = varDir + "/incarnation";
    ms.pulse = cfg->farm.pulse;
    ms.slostCount = cfg->farm.slostCount;
    ms.mlostCount = cfg->farm.mlostCount;
    ms.quorum = cfg->farm.quorum == config::Quorum::Majority ? membership::QuorumPolicy::Majority
                                                             : membership::QuorumPolicy::None;
    // The stall guard: the lease ends a pulse before the others may declare
    // this node dead, so a dead or frozen agent's node is fenced before its
    // buckets move; the peers' echoes bound it too (docs/design.md "Leases").
    module::ModuleTiming timing;
    timing.pulse = cfg->farm.pulse;
    timing.lease = cfg->farm.pulse * std::max<uint32_t>(1, cfg->farm.slostCount - 1);
    timing.linkSettle = cfg->farm.pulse * cfg->farm.slostCount;

    BpfDataPathOptions dp{recipe.plan.ifname, options_.instance + "_" + name, XdpMode::Auto, options_.bpffs};
    if (options_.xdpMode == "skb") dp.mode = XdpMode::Skb;
    if (options_.xdpMode == "native") dp.mode = XdpMode::Native;

    module::ModulePaths paths{name, moduleDir(name), varDir, options_.safeDir, options_.varDir};
    app::ScriptPaths scriptPaths{options_.safeDir, options_.safeDir, options_.varDir, name, moduleDir(name), varDir};
    auto* log = s.log.get();
    auto planCopy = recipe.plan;
    module::ModuleDeps deps{
        io_,
        *net_,
        *announcer_,
        *s.scripts,
        [dp]() -> Result<std::unique_ptr<DataPath>> {
            auto r = BpfDataPath::open(dp);
            if (!r) return r.error();
            return std::unique_ptr<DataPath>(std::move(r.value()));
        },
        [dp]() { return BpfDataPath::remove(dp); },
        [this, planCopy, ms]() -> std::unique_ptr<module::MembershipPort> {
            return std::make_unique<module::MembershipDriver>(io_, planCopy, ms);
        },
        [log](char level, const char* id, const std::string& text) {
            // ModuleTest checks every id is known; should one slip through,
            // the line still says which it was.
            auto known = control::messageIdFromName(id);
            log->log(control::levelFromLetter(level), known.value_or(control::MessageId::SF_MODULE_STATE),
                     known ? text : "(" + std::string(id) + ") " + text);
        },
        [this, cfg, scriptPaths](app::VerdictHandler onVerdict) { return makeCheckers(io_, *cfg, scriptPaths, onVerdict); },
        // The traffic (flow table, bucket counters) is read on the
        // transports' thread (stopTransports joins it before any module is
        // destroyed).
        [this](std::function<void()> job) { onTransports(std::move(job)); },
    };
    s.module = std::make_unique<module::Module>(std::move(deps), paths, cfg, std::move(recipe.plan), recipe.hashKey,
                                                timing);
    if (links_) {
        auto up = links_->watch(s.module->interfaceName());
        if (up && !up.value()) s.module->linkChanged(s.module->interfaceName(), false);
    }
    return s.module.get();
}

// Modules a previous safed left running (crash, upgrade) carry on; modules
// with <service boot="on"> start.
void Daemon::resumeModules() {
    for (const auto& name : installedModules()) {
        // Before the modules' thread serves anything: read here, at once.
        auto recipe = readModule(name);
        auto built = recipe ? buildModule(std::move(recipe.value())) : Result<module::Module*>(recipe.error());
        if (!built) {
            std::cerr << "safed: " << name << ": " << built.error().message() << "\n";
            continue;
        }
        module::Module* m = built.value();
        if (m->wasRunning()) {
            if (auto r = m->resume(); !r) {
                std::cerr << "safed: resuming " << name << ": " << r.error().message() << "\n";
                slots_[name].log->error(control::MessageId::SF_MODULE_START_FAILED,
                                        name + ": resuming after a restart of safed: " + r.error().message());
            }
        } else if (startsAtBoot(options_.varDir, name, m->bootStart())) {
            m->start([this, name](Result<void> r) {
                if (!r) std::cerr << "safed: starting " << name << " at boot: " << r.error().message() << "\n";
            });
        }
    }
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
    stopTransports();
    // Modules stay as they are: the filter and the application keep serving
    // within the lease, and a safed started again adopts them. `safectl stop`
    // is how a module is stopped.
    for (auto& [name, s] : slots_)
        if (s.module && s.module->state() != module::ModuleState::Stop) s.module->detach();
    boardTimer_.cancel();
    io_.stop();
}

// ready.txt and /metrics, for the transports' thread (StatusBoard.h): which
// modules are UP every 100 ms, the statuses once a second.
void Daemon::publishBoard() {
    std::set<std::string> up, vips;
    for (const auto& [name, s] : slots_) {
        if (s.module && s.module->state() == module::ModuleState::Up) up.insert(name);
        if (s.module)
            for (const auto& v : s.module->vips()) vips.insert(formatIp(v));
    }
    board_.publishUp(std::move(up));
    board_.publishVips(std::move(vips));
    if (boardTicks_++ % 10 == 0) {
        std::vector<nlohmann::json> out;
        for (const auto& name : installedModules()) {
            auto* m = builtModule(name);
            out.push_back(m ? m->status() : nlohmann::json{{"module", name}, {"state", "STOP"}});
        }
        board_.publishStatuses(std::move(out));
    }
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
            return Error{0, "the control API's certificate (--tls-cert/--tls-key to give one, --tls off for plain "
                            "HTTP): " + r.error().message()};
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
    std::cerr << "safed: control API and console on " << o.address << ":" << http_->port()
              << (o.tlsCertFile.empty() ? " (plain HTTP)" : " (HTTPS, certificate " + o.tlsCertFile + ")") << "\n";
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
    std::string keyFile = options_.configDir + "/cluster.key";
    auto key = membership::loadClusterKey(keyFile);
    if (key) p.key = std::move(key.value());
    else p.keyProblem = key.error().message();
    return p;
}

void Daemon::waitForHangup() {
    hangup_.async_wait([this](const boost::system::error_code& ec, int) {
        if (ec) return;
        if (http_) {
            if (auto r = http_->reloadUsers(); !r)
                std::cerr << "safed: SIGHUP: " << r.error().message() << " (the users stay as they were)\n";
            else
                std::cerr << "safed: SIGHUP: users file read again\n";
        }
        waitForHangup();
    });
}

int Daemon::run() {
    auto nl = net::NetlinkSetup::open();
    if (!nl) {
        std::cerr << "safed: " << nl.error().message() << "\n";
        return 1;
    }
    net_ = std::move(nl.value());
    auto ann = net::PacketAnnouncer::open();
    if (!ann) {
        std::cerr << "safed: " << ann.error().message() << "\n";
        return 1;
    }
    announcer_ = std::move(ann.value());
    if (auto r = readCluster(); !r) {
        std::cerr << "safed: " << r.error().message() << "\n";
        return 1;
    }
    // Link state of the modules' interfaces, from netlink (not sysfs).
    links_ = std::make_unique<net::LinkWatcher>(io_, [this](const std::string& ifname, bool up) {
        for (auto& [name, s] : slots_)
            if (s.module) s.module->linkChanged(ifname, up);
    });
    if (auto r = links_->start(); !r) {
        std::cerr << "safed: " << r.error().message() << "\n";
        return 1;
    }
    registerCommands();
    registerControlCommands();
    control::hopTo(registry_, io_.get_executor(), controlIo_.get_executor(), controlRegistry_);
    resumeModules();
    server_ = std::make_unique<control::UnixServer>(controlIo_, controlRegistry_, options_.socket);
    if (auto r = server_->start(); !r) {
        std::cerr << "safed: " << r.error().message() << "\n";
        return 1;
    }
    if (options_.http) {
        if (auto r = startHttp(); !r) {
            std::cerr << "safed: " << r.error().message() << "\n";
            return 1;
        }
    }
    signals_.async_wait([this](const boost::system::error_code& ec, int) {
        if (!ec) shutdown();
    });
    waitForHangup();
    publishBoard();
    controlThread_ = std::thread([this] {
        if (auto r = useNormalScheduling(); !r) std::cerr << "safed: warning: " << r.error().message() << "\n";
        controlIo_.run();
    });
    // The modules' thread only (Options::rtPriority); not fatal: without
    // CAP_SYS_NICE safed runs, only more easily starved.
    if (auto r = useRealtimeScheduling(options_.rtPriority); !r)
        std::cerr << "safed: warning: " << r.error().message() << "; running under the normal policy\n";
    std::cerr << "safed: serving " << options_.socket << " (modules: ";
    for (const auto& m : installedModules()) std::cerr << m << " ";
    std::cerr << ")\n";
    io_.run();
    stopTransports();  // io_ stopped some other way: never leave the thread running
    return 0;
}

}  // namespace safefarm::safed
