// The module log as the module writes it: a stable id (control/MessageIds.h,
// docs/messages.md) and a line that starts with the module's name, so that a
// line read alone says whose it is: "web: WAIT -> UP (view 7@1, 2731 buckets)".
// The sink is safed's control::ModuleLog; tests keep the lines.
#pragma once

#include <functional>
#include <string>

#include "control/LogLevel.h"
#include "control/MessageIds.h"

namespace safefarm::module {

using ModuleLogger = std::function<void(control::Level level, control::MessageId id, const std::string& text)>;

class Logger {
public:
    Logger(ModuleLogger sink, std::string module) : sink_(std::move(sink)), module_(std::move(module)) {}

    void info(control::MessageId id, const std::string& text) const { write(control::Level::Info, id, text); }
    void warn(control::MessageId id, const std::string& text) const { write(control::Level::Warn, id, text); }
    void error(control::MessageId id, const std::string& text) const { write(control::Level::Error, id, text); }
    void write(control::Level level, control::MessageId id, const std::string& text) const {
        sink_(level, id, module_ + ": " + text);
    }
    // A line that names the module already (RefusedPeerReport's).
    void line(control::Level level, control::MessageId id, const std::string& text) const { sink_(level, id, text); }
    const std::string& module() const { return module_; }

private:
    ModuleLogger sink_;
    std::string module_;
};

}  // namespace safefarm::module
