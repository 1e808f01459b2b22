#include "control/JournalSink.h"

#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION  // the CODE_FILE of this sink says nothing
#include <syslog.h>
#include <systemd/sd-journal.h>

#include <string_view>

namespace safefarm::control {

bool JournalSink::available() { return ::access("/run/systemd/journal/socket", W_OK) == 0; }

namespace {

int priority(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::trace:
        case spdlog::level::debug: return LOG_DEBUG;
        case spdlog::level::info: return LOG_INFO;
        case spdlog::level::warn: return LOG_WARNING;
        case spdlog::level::err: return LOG_ERR;
        case spdlog::level::critical: return LOG_CRIT;
        default: return LOG_INFO;
    }
}

}  // namespace

void JournalSink::sink_it_(const spdlog::details::log_msg& msg) {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    std::string_view id = payload.substr(0, payload.find(' '));
    // The return value is ignored on purpose: a lost journal line must not
    // stop the module log, and the file has it anyway.
    (void)sd_journal_send("MESSAGE=%.*s", static_cast<int>(payload.size()), payload.data(),  //
                          "PRIORITY=%d", priority(msg.level),                                //
                          "SYSLOG_IDENTIFIER=safed",                                         //
                          "SAFEFARM_MODULE=%s", module_.c_str(),                             //
                          "SAFEFARM_MESSAGE_ID=%.*s", static_cast<int>(id.size()), id.data(), nullptr);
}

}  // namespace safefarm::control
