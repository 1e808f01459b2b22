#include "app/ScriptRunner.h"

#include <cstring>

namespace safefarm::app {

namespace {

std::string human(std::chrono::nanoseconds d) {
    using namespace std::chrono;
    if (d < milliseconds(1)) return std::to_string(duration_cast<microseconds>(d).count()) + "us";
    if (d < seconds(10)) return std::to_string(duration_cast<milliseconds>(d).count()) + "ms";
    return std::to_string(duration_cast<seconds>(d).count()) + "s";
}

}  // namespace

std::string describe(const ScriptOutcome& o) {
    if (o.notStarted) return "not started: " + o.error;
    if (o.timedOut) return "timed out after " + human(o.duration) + " (process group killed)";
    if (o.signal != 0)
        return "killed by signal " + std::to_string(o.signal) + " (" + ::strsignal(o.signal) + ") after " +
               human(o.duration);
    return "exit " + std::to_string(o.exitCode) + " in " + human(o.duration);
}

}  // namespace safefarm::app
