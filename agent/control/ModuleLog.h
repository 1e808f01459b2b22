// The module log: cluster events, state changes, checker verdicts and the
// scripts' own messages of one module, each under a stable id
// (MessageIds.h). Written to <logdir>/<module>/module.log, rotated at a size
// cap, and to journald when it runs here:
//
//   2026-11-22 10:41:02.123 I SF_MODULE_STATE apache_farm: WAIT -> UP (view 7@1, 2731 buckets)
//
// The text is written as given; by convention it starts with the module's
// name, as above, so lines read alone (grep over several modules) say whose
// they are. Thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"
#include "control/LogLevel.h"
#include "control/MessageIds.h"

namespace spdlog {
class logger;
}

namespace safefarm::control {

// 'D', 'I', 'W', 'E' as in the log line; anything else is Info.
Level levelFromLetter(char letter);
// The id of a script's own message (printi, printw, printe) at that level.
MessageId userMessageId(Level level);

struct ModuleLogOptions {
    std::string logDir = "/var/log/safefarm";
    std::string module;
    std::size_t maxFileBytes = 10 * 1024 * 1024;  // module.log rotates past this
    std::size_t maxFiles = 3;                     // rotated files kept: module.1.log .. module.3.log
    bool journal = true;                          // also to journald, when it is there
};

class ModuleLog {
public:
    // Creates <logDir>/<module>/ (0755) and opens module.log for appending.
    static Result<std::unique_ptr<ModuleLog>> open(ModuleLogOptions options);
    ~ModuleLog();
    ModuleLog(const ModuleLog&) = delete;
    ModuleLog& operator=(const ModuleLog&) = delete;

    void log(Level level, MessageId id, std::string_view text);
    void info(MessageId id, std::string_view text) { log(Level::Info, id, text); }
    void warn(MessageId id, std::string_view text) { log(Level::Warn, id, text); }
    void error(MessageId id, std::string_view text) { log(Level::Error, id, text); }

    // The last n lines, oldest first, reaching into module.1.log and on if
    // needed (Tail.h); none if the log cannot be read.
    std::vector<std::string> tail(std::size_t n) const;

    const std::string& path() const { return path_; }
    const std::string& module() const { return options_.module; }
    bool journal() const { return journal_; }

private:
    ModuleLog(ModuleLogOptions options, std::string path, std::shared_ptr<spdlog::logger> logger, bool journal);

    ModuleLogOptions options_;
    std::string path_;
    std::shared_ptr<spdlog::logger> logger_;
    bool journal_;
};

}  // namespace safefarm::control
