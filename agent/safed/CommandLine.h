// safed's command line (CLI11): every option with its help text, default and
// range. Parsing never exits the process; main() prints what it returns and
// either exits or runs the Daemon, so the tests can parse a command line and
// look at where each option landed.
#pragma once

#include <optional>
#include <string>

#include "safed/Options.h"

namespace safefarm::safed {

struct ParsedCommandLine {
    // Set when safed should run; empty after --help or a refused command line.
    std::optional<Options> options;
    // When options is empty: the process's exit code (0 after --help).
    int exitCode = 0;
    std::string out;  // for stdout: --help's text
    std::string err;  // for stderr: what was refused and why
};

ParsedCommandLine parseCommandLine(int argc, const char* const* argv);

}  // namespace safefarm::safed
