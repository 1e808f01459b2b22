// safectl: the operators' command, and `safekit` for SafeKit's scripts (the
// same binary, called through a link of that name). A thin main: CLI11
// parses, the command functions talk to safed and return the exit code.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "config/ClusterKeyPath.h"
#include "control/SocketPath.h"
#include "safectl/ActionCommands.h"
#include "safectl/BootCommand.h"
#include "safectl/ClusterCommand.h"
#include "safectl/ConfigCommand.h"
#include "safectl/LogsCommand.h"
#include "safectl/SnapshotCommand.h"
#include "safectl/StateCommand.h"
#include "safectl/StatusCommand.h"
#include "safectl/UserCommand.h"

namespace {

using namespace safefarm::safectl;

std::string envOr(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}

std::string join(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
    return out;
}

constexpr const char* kExitCodes =
    "Exit codes: 0 done, 1 error (the message is on stderr), 2 safed is not running.\n"
    "state -q: 0 STOP, 1 WAIT, 2 UP, 3 unknown (safed not running, no such module).";

// What the verbs parse into: it outlives app.parse, which runs the verb's
// callback; each add* below declares one group of verbs.
struct Verbs {
    ClientOptions client;
    double timeoutSeconds = 0;
    int rc = 0;
    std::string module;

    // Read when a verb runs, after every option is parsed.
    ClientOptions ctl() const {
        ClientOptions c = client;
        if (timeoutSeconds > 0) c.timeout = std::chrono::milliseconds(static_cast<int64_t>(timeoutSeconds * 1000));
        return c;
    }
    void moduleOption(CLI::App* verb, const char* what) { verb->add_option("-m,--module", module, what); }

    void addCommon(CLI::App& app) {
        client.socket = envOr("SAFEFARM_SOCKET", safefarm::control::kDefaultSocketPath);
        app.add_option("--socket", client.socket,
                       "safed's control socket (default $SAFEFARM_SOCKET or " +
                           std::string(safefarm::control::kDefaultSocketPath) + ")");
        app.add_option("--timeout", timeoutSeconds, "seconds to wait for safed's reply (default: the verb's own)")
            ->check(CLI::PositiveNumber);
    }

    // start, restart, stopstart, stop, who.
    bool force = false;
    std::string whoClient;
    int whoPort = -1;
    void addActions(CLI::App& app) {
        for (const char* verb : {"start", "restart", "stopstart"}) {
            const char* help = std::string(verb) == "start" ? "start a module (every module without -m)"
                               : std::string(verb) == "restart"
                                   ? "restart a module's application (stop_both, start_both)"
                                   : "stop a module, then start it again";
            auto* cmd = app.add_subcommand(verb, help);
            moduleOption(cmd, "the module (default: every module)");
            cmd->callback([this, verb] { rc = moduleAction(ctl(), verb, module, std::cout, std::cerr); });
        }
        auto* stop = app.add_subcommand("stop", "stop a module: drain its connections, then stop_both");
        moduleOption(stop, "the module (default: every module)");
        stop->add_flag("--force", force, "do not wait for the drain; stop_both force");
        stop->callback([this] { rc = stopModule(ctl(), module, force, std::cout, std::cerr); });

        auto* who = app.add_subcommand("who", "which node serves a client, by this node's bucket table");
        moduleOption(who, "the module (default: the only one)");
        who->add_option("client", whoClient, "the client's address")->required();
        who->add_option("--port", whoPort, "the client's port (on_port rules)");
        who->callback([this] { rc = whoServes(ctl(), module, whoClient, whoPort, std::cout, std::cerr); });
    }

    // state, status, logs, snapshot.
    StateOptions state;
    bool json = false;
    LogsOptions logs;
    SnapshotOptions snap;
    void addReads(CLI::App& app) {
        auto* stateCmd = app.add_subcommand("state", "the modules' state on this node");
        stateCmd->add_option("-m,--module", state.module, "the module (default: every module)");
        stateCmd->add_flag("-l,--long", state.longForm, "one line per module with its activity, view and reason");
        stateCmd->add_flag("-q,--quiet", state.quiet, "print nothing; exit with the state: STOP=0 WAIT=1 UP=2");
        stateCmd->callback([this] { rc = showState(ctl(), state, std::cout, std::cerr); });

        auto* status = app.add_subcommand("status", "the farm as this node sees it: nodes, states, buckets, traffic");
        moduleOption(status, "the module (default: every module)");
        status->add_flag("--json", json, "safed's reply as JSON");
        status->callback([this] { rc = showStatus(ctl(), module, json, std::cout, std::cerr); });

        auto* logsCmd = app.add_subcommand("logs", "print the module log (or the application log with --app)");
        logsCmd->add_option("-m,--module", logs.module, "the module");
        logsCmd->add_flag("--app", logs.app, "the application log: the scripts' output");
        logsCmd->add_flag("-f,--follow", logs.follow, "keep printing what is appended, until interrupted");
        logsCmd->add_option("-n,--lines", logs.lines, "how many of the last lines (default 50)");
        logsCmd->callback([this] { rc = showLogs(ctl(), logs, std::cout, std::cerr); });

        auto* snapCmd = app.add_subcommand(
            "snapshot", "this node's status, counters, logs and configuration in a .zip, for support");
        snapCmd->add_option("-m,--module", snap.module, "the module");
        snapCmd->add_option("-o,--output", snap.output,
                            "the .zip to write (default: ./safefarm-snapshot-STAMP-NODE.zip)");
        snapCmd->callback([this] { rc = takeSnapshot(ctl(), snap, std::cout, std::cerr); });
    }

    // module install|list|remove.
    std::string safeFile, removeName;
    void addModules(CLI::App& app) {
        auto* moduleCmd = app.add_subcommand("module", "install, list and remove modules");
        moduleCmd->require_subcommand(1);
        moduleCmd->add_subcommand("install", "install (or upgrade) a module from its NAME.safe file")
            ->callback([this] { rc = installModule(ctl(), safeFile, std::cout, std::cerr); })
            ->add_option("file", safeFile, "the NAME.safe file")
            ->required();
        moduleCmd->add_subcommand("list", "the installed modules")->callback([this] {
            rc = listModules(ctl(), std::cout, std::cerr);
        });
        moduleCmd->add_subcommand("remove", "remove a stopped module")
            ->callback([this] { rc = removeModule(ctl(), removeName, std::cout, std::cerr); })
            ->add_option("name", removeName, "the module")
            ->required();
    }

    // printi|printw|printe "message": what the module's scripts log.
    std::vector<std::string> words;
    void addPrints(CLI::App& app) {
        for (char level : {'I', 'W', 'E'}) {
            std::string verb = std::string("print") + static_cast<char>(std::tolower(level));
            auto* cmd = app.add_subcommand(verb, "log a message into the module log (from the module's scripts)");
            moduleOption(cmd, "the module (default $SAFEMODULE)");
            cmd->add_option("message", words, "the message")->required();
            cmd->callback([this, level] {
                std::string m = module.empty() ? envOr("SAFEMODULE", "") : module;
                rc = printMessage(ctl(), level, m, join(words), std::cerr);
            });
        }
    }

    // config check, boot, cluster genkey, user: on files, without safed.
    ConfigCheckOptions check;
    bool noInterfaces = false;
    void addConfigCheck(CLI::App& app) {
        check.clusterFile = envOr("SAFEFARM_CLUSTER", "/etc/safefarm/cluster.xml");
        check.modulesDir = envOr("SAFEFARM_MODULES", "/etc/safefarm/modules");
        auto* config = app.add_subcommand("config", "configuration commands");
        config->require_subcommand(1);
        auto* checkCmd = config->add_subcommand(
            "check",
            "check cluster.xml and a module's userconfig.xml (all installed modules without an argument); "
            "prints OK or every error, exits 0 or 1");
        checkCmd->add_option("target", check.target,
                             "a module name, a module folder, a userconfig.xml or a cluster.xml");
        checkCmd->add_option("--cluster", check.clusterFile,
                             "cluster.xml (default $SAFEFARM_CLUSTER or /etc/safefarm/cluster.xml)");
        checkCmd->add_option("--modules", check.modulesDir,
                             "installed modules (default $SAFEFARM_MODULES or /etc/safefarm/modules)");
        checkCmd->add_flag("--no-interfaces", noInterfaces, "do not check that the interfaces exist on this node");
        checkCmd->callback([this] {
            check.probeInterfaces = !noInterfaces;
            rc = configCheck(check, std::cout, std::cerr);
        });
    }

    BootOptions boot;
    std::string keyPath;
    bool keyForce = false;
    void addBootAndCluster(CLI::App& app) {
        boot.configDir = envOr("SAFEFARM_CONFIG_DIR", "/etc/safefarm");
        boot.varDir = envOr("SAFEFARM_VAR_DIR", "/var/lib/safefarm");
        auto* bootCmd = app.add_subcommand("boot", "whether safed starts a module when it starts (at boot)");
        bootCmd->add_option("action", boot.action, "on, off or status")
            ->required()
            ->check(CLI::IsMember({"on", "off", "status"}));
        bootCmd->add_option("-m,--module", boot.module, "the module (default: every module)");
        bootCmd->add_option("--config-dir", boot.configDir,
                            "safed's --config-dir (default $SAFEFARM_CONFIG_DIR or /etc/safefarm)");
        bootCmd->add_option("--var-dir", boot.varDir,
                            "safed's --var-dir (default $SAFEFARM_VAR_DIR or /var/lib/safefarm)");
        bootCmd->callback([this] { rc = bootCommand(boot, std::cout, std::cerr); });

        keyPath = safefarm::config::clusterKeyPath(envOr("SAFEFARM_CONFIG_DIR", "/etc/safefarm"));
        auto* clusterCmd = app.add_subcommand("cluster", "cluster-wide settings of this node");
        clusterCmd->require_subcommand(1);
        auto* genkey =
            clusterCmd->add_subcommand("genkey", "write a new random cluster key (mode 600), to copy to every node");
        genkey->add_option("path", keyPath,
                           "the key file (default $SAFEFARM_CONFIG_DIR/cluster.key or /etc/safefarm/cluster.key)");
        genkey->add_flag("--force", keyForce, "replace an existing key");
        genkey->callback([this] { rc = generateClusterKey(keyPath, keyForce, std::cout, std::cerr); });
    }

    // The web console's users and API keys: a file safed reads at start and
    // on SIGHUP (agent/http/UserCommand.h).
    std::string usersFile;
    std::vector<std::string> userArgs;
    void addUsers(CLI::App& app) {
        usersFile = envOr("SAFEFARM_CONFIG_DIR", "/etc/safefarm") + std::string("/users.json");
        auto* userCmd = app.add_subcommand(
            "user",
            "the console's users and API keys: add NAME ROLE | remove NAME | key NAME ROLE | revoke NAME | list "
            "(roles admin, control, monitor; the password of add is read from the terminal or stdin; then "
            "SIGHUP to safed)");
        userCmd->add_option("--users-file", usersFile,
                            "default $SAFEFARM_CONFIG_DIR/users.json or /etc/safefarm/users.json");
        userCmd->add_option("args", userArgs, "the action and its arguments")->required();
        userCmd->callback([this] { rc = userCommandFromTerminal(usersFile, userArgs); });
    }
};

}  // namespace

int main(int argc, char** argv) {
    const std::string program = std::filesystem::path(argv[0]).filename() == "safekit" ? "safekit" : "safectl";
    CLI::App app{program + ": control the safefarm modules of this node", program};
    app.footer(kExitCodes);
    app.set_version_flag("--version", program + " " SAFEFARM_VERSION);
    app.require_subcommand(1);
    app.fallthrough();  // --socket and --timeout also after the verb

    Verbs verbs;
    verbs.client.program = program;
    verbs.addCommon(app);
    verbs.addActions(app);
    verbs.addReads(app);
    verbs.addModules(app);
    verbs.addPrints(app);
    verbs.addConfigCheck(app);
    verbs.addBootAndCluster(app);
    verbs.addUsers(app);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // Usage errors are errors (1) for scripts; --help is not.
        return app.exit(e) == 0 ? kExitOk : kExitError;
    }
    return verbs.rc;
}
