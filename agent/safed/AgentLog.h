// safed's own lines, not a module's (those are control::ModuleLog's): to
// stderr, which journald keeps under safed.service (SyslogIdentifier=safed),
// each with a stable id (control/MessageIds.h) as in the module log, so an
// operator greps or alerts on the id, not on the wording:
//
//   safed: I SF_AGENT_START serving /run/safefarm/safed.sock (modules: apache_farm)
//
// One record, one line (a multi-line error is escaped, as in the module
// log); both of safed's threads write, one line at a time.
#pragma once

#include <mutex>
#include <ostream>
#include <string_view>

#include "control/ModuleLog.h"

namespace safefarm::safed {

class AgentLog {
public:
    explicit AgentLog(std::ostream& out) : out_(out) {}

    void log(control::Level level, control::MessageId id, std::string_view text);
    void info(control::MessageId id, std::string_view text) { log(control::Level::Info, id, text); }
    void warn(control::MessageId id, std::string_view text) { log(control::Level::Warn, id, text); }
    void error(control::MessageId id, std::string_view text) { log(control::Level::Error, id, text); }

private:
    std::mutex mutex_;
    std::ostream& out_;
};

}  // namespace safefarm::safed
