// safectl: the operators' command. A thin main: CLI11 parses, the command
// functions do the work and return the exit code.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

#include "safectl/ConfigCommand.h"

namespace {

std::string envOr(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"safectl: control the safefarm modules of this node"};
    app.require_subcommand(1);

    safefarm::safectl::ConfigCheckOptions check;
    check.clusterFile = envOr("SAFEFARM_CLUSTER", "/etc/safefarm/cluster.xml");
    check.modulesDir = envOr("SAFEFARM_MODULES", "/var/lib/safefarm/modules");
    bool noInterfaces = false;

    auto* config = app.add_subcommand("config", "configuration commands");
    config->require_subcommand(1);
    auto* checkCmd = config->add_subcommand(
        "check", "check cluster.xml and a module's userconfig.xml (all installed modules without an argument); "
                 "prints OK or every error, exits 0 or 1");
    checkCmd->add_option("target", check.target, "a module name, a module folder, a userconfig.xml or a cluster.xml");
    checkCmd->add_option("--cluster", check.clusterFile, "cluster.xml (default $SAFEFARM_CLUSTER or /etc/safefarm/cluster.xml)");
    checkCmd->add_option("--modules", check.modulesDir, "installed modules (default $SAFEFARM_MODULES or /var/lib/safefarm/modules)");
    checkCmd->add_flag("--no-interfaces", noInterfaces, "do not check that the interfaces exist on this node");

    int rc = 0;
    checkCmd->callback([&] {
        check.probeInterfaces = !noInterfaces;
        rc = safefarm::safectl::configCheck(check, std::cout, std::cerr);
    });

    CLI11_PARSE(app, argc, argv);
    return rc;
}
