#include "safed/AgentLog.h"

#include "common/OneLine.h"

namespace safefarm::safed {

namespace {

char letter(control::Level level) {
    switch (level) {
        case control::Level::Debug: return 'D';
        case control::Level::Info: return 'I';
        case control::Level::Warn: return 'W';
        case control::Level::Error: return 'E';
    }
    return 'I';
}

}  // namespace

void AgentLog::log(control::Level level, control::MessageId id, std::string_view text) {
    std::lock_guard lock(mutex_);
    out_ << "safed: " << letter(level) << ' ' << control::messageName(id) << ' ' << oneLine(text) << std::endl;
}

}  // namespace safefarm::safed
