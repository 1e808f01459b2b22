// safed: the farm agent of one node. Thin: parses the options
// (CommandLine.h), runs the Daemon, maps its outcome to the exit code.
#include <iostream>
#include <utility>

#include "safed/CommandLine.h"
#include "safed/Daemon.h"

int main(int argc, char** argv) {
    auto parsed = safefarm::safed::parseCommandLine(argc, argv);
    std::cout << parsed.out << std::flush;
    std::cerr << parsed.err << std::flush;
    if (!parsed.options) return parsed.exitCode;
    safefarm::safed::Daemon daemon(std::move(*parsed.options));
    return daemon.run();
}
