// safed: the farm agent of one node. Thin: parses the options, runs the
// Daemon, maps its outcome to the exit code.
#include <CLI/CLI.hpp>

#include <iostream>

#include "safed/Daemon.h"

int main(int argc, char** argv) {
    safefarm::safed::Options o;
    CLI::App app{"safed: the safefarm agent of this node"};
    app.add_option("--config-dir", o.configDir, "cluster.xml, cluster.key and modules/")->capture_default_str();
    app.add_option("--var-dir", o.varDir, "state kept across restarts")->capture_default_str();
    app.add_option("--log-dir", o.logDir, "module and application logs")->capture_default_str();
    app.add_option("--socket", o.socket, "the control socket of safectl")->capture_default_str();
    app.add_option("--node", o.node, "this node's name in cluster.xml (default: found by its address)");
    app.add_option("--instance", o.instance, "names the BPF pin folders (<instance>_<module>)")->capture_default_str();
    app.add_option("--xdp-mode", o.xdpMode, "auto, native or skb")
        ->check(CLI::IsMember({"auto", "native", "skb"}))
        ->capture_default_str();
    app.add_option("--bpffs", o.bpffs, "where bpffs is mounted")->capture_default_str();
    app.add_option("--safe-dir", o.safeDir, "$SAFE of the scripts, where `safekit` lives (default: safed's folder)");
    app.add_option("--http-address", o.httpAddress, "where the control API and console listen (0.0.0.0, ::, one address)")
        ->capture_default_str();
    app.add_option("--http-port", o.httpPort, "the control API and console's port")->capture_default_str();
    app.add_flag("!--no-http", o.http, "no control API and console (safectl keeps the UNIX socket)");
    app.add_option("--users-file", o.usersFile, "the console's users and API keys (default: <config-dir>/users.json)");
    app.add_option("--web-root", o.webRoot, "the console's files")->capture_default_str();
    app.add_option("--tls-cert", o.tlsCert, "PEM certificate chain: the API and console over TLS (with --tls-key)");
    app.add_option("--tls-key", o.tlsKey, "PEM private key of --tls-cert");
    app.add_option("--rt-priority", o.rtPriority,
                   "SCHED_RR priority of safed's own thread, so heartbeats and lease renewals keep their pulse on "
                   "a busy node (scripts and the application are not affected); 0: normal scheduling")
        ->check(CLI::Range(0, 99))
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    safefarm::safed::Daemon daemon(o);
    return daemon.run();
}
