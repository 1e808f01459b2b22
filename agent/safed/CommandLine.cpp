#include "safed/CommandLine.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "dataplane/XdpMode.h"

namespace safefarm::safed {

ParsedCommandLine parseCommandLine(int argc, const char* const* argv) {
    Options o;
    CLI::App app{"safed: the safefarm agent of this node"};
    app.add_option("--config-dir", o.configDir, "cluster.xml, cluster.key and modules/")->capture_default_str();
    app.add_option("--var-dir", o.varDir, "state kept across restarts")->capture_default_str();
    app.add_option("--log-dir", o.logDir, "module and application logs")->capture_default_str();
    app.add_option("--socket", o.socket, "the control socket of safectl")->capture_default_str();
    app.add_option("--node", o.node, "this node's name in cluster.xml (default: found by its address)");
    app.add_option("--instance", o.instance, "names the BPF pin folders (<instance>_<module>)")->capture_default_str();
    app.add_option("--xdp-mode", o.xdpMode, "auto, native or skb (other than auto: wins over the modules' xdp_mode)")
        ->check(CLI::IsMember(std::vector<std::string>(kXdpModeNames.begin(), kXdpModeNames.end())))
        ->capture_default_str();
    app.add_option("--bpffs", o.bpffs, "where bpffs is mounted")->capture_default_str();
    app.add_option("--safe-dir", o.safeDir, "$SAFE of the scripts, where `safekit` lives (default: safed's folder)");
    auto& api = o.api;
    app.add_option("--http-address", api.address, "where the control API and console listen (0.0.0.0, ::, one address)")
        ->capture_default_str();
    app.add_option("--http-port", api.port, "the control API and console's port")->capture_default_str();
    app.add_flag("!--no-http", o.http, "no control API and console (safectl keeps the UNIX socket)");
    app.add_option("--users-file", api.usersFile,
                   "the console's users and API keys (default: <config-dir>/users.json)");
    app.add_option("--web-root", api.webRoot, "the console's files")->capture_default_str();
    app.add_option("--tls", o.tls,
                   "auto: the API and console over HTTPS, with --tls-cert/--tls-key or a certificate made once in "
                   "<config-dir>/tls/; off: plain HTTP (calls between nodes are TLS either way)")
        ->check(CLI::IsMember({"auto", "off"}))
        ->capture_default_str();
    app.add_option("--tls-cert", api.tlsCertFile,
                   "PEM certificate chain: the API and console over TLS (with --tls-key)");
    app.add_option("--tls-key", api.tlsKeyFile, "PEM private key of --tls-cert");
    app.add_flag("--metrics-need-auth", api.metricsNeedAuth, "/metrics asks for a monitor's API key");
    // The API's limits (docs/security.md): every default is in http/HttpOptions.h.
    auto seconds = [&app](const std::string& name, std::chrono::seconds& field, const std::string& what) {
        app.add_option_function<unsigned>(
               name, [&field](unsigned v) { field = std::chrono::seconds(v); }, what + " (seconds)")
            ->default_str(std::to_string(field.count()))
            ->check(CLI::Range(1u, 86400u));
    };
    seconds("--http-header-timeout", api.headerTimeout, "a request's header, and the wait for it, within");
    seconds("--http-io-timeout", api.ioTimeout, "a request's body, and each answer, within");
    seconds("--http-drain-timeout", api.drainTimeout, "a connection closes this long after its last answer at most");
    seconds("--http-connection-lifetime", api.connectionLifetime, "no new request on a connection older than");
    app.add_option("--http-max-connections", api.maxConnections, "connections at once")
        ->check(CLI::Range(1ul, 65536ul))
        ->capture_default_str();
    app.add_option("--http-max-connections-per-client", api.maxConnectionsPerClient,
                   "connections at once from one IPv4 address or IPv6 /64")
        ->check(CLI::Range(1ul, 65536ul))
        ->capture_default_str();
    app.add_option("--http-max-body", api.maxBodyBytes, "a request body's bytes at most")
        ->check(CLI::Range(1024ul, 1ul << 30))
        ->capture_default_str();
    app.add_option("--http-max-sessions", api.maxSessions, "console sessions at once")
        ->check(CLI::Range(1ul, 1000000ul))
        ->capture_default_str();
    app.add_option("--http-max-sessions-per-user", api.maxSessionsPerUser, "one user's console sessions at once")
        ->check(CLI::Range(1ul, 1000ul))
        ->capture_default_str();
    app.add_option("--rt-priority", o.rtPriority,
                   "SCHED_RR priority of safed's own thread, so heartbeats and lease renewals keep their pulse on "
                   "a busy node (scripts and the application are not affected); 0: normal scheduling")
        ->check(CLI::Range(0, 99))
        ->capture_default_str();

    ParsedCommandLine result;
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // What CLI11_PARSE did: --help's text to stdout, an error to stderr.
        std::ostringstream out, err;
        result.exitCode = app.exit(e, out, err);
        result.out = out.str();
        result.err = err.str();
        return result;
    }
    if (o.tls == "off" && (!o.api.tlsCertFile.empty() || !o.api.tlsKeyFile.empty())) {
        result.exitCode = 2;
        result.err = "--tls off with --tls-cert or --tls-key: say which one you mean\n";
        return result;
    }
    result.options = std::move(o);
    return result;
}

}  // namespace safefarm::safed
