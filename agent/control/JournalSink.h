// An spdlog sink into journald with the fields operators filter on:
//   SYSLOG_IDENTIFIER=safed  SAFEFARM_MODULE=<module>  SAFEFARM_MESSAGE_ID=SF_...
// spdlog's own systemd_sink sends only MESSAGE, PRIORITY and the identifier,
// and throws when journald is away (spdlog then prints an error per message);
// this one sends the extra fields and drops messages quietly when there is
// no journal, as in a network namespace or a container.
#pragma once

#include <spdlog/sinks/base_sink.h>

#include <mutex>
#include <string>

namespace safefarm::control {

class JournalSink : public spdlog::sinks::base_sink<std::mutex> {
public:
    explicit JournalSink(std::string module) : module_(std::move(module)) {}

    // journald listens on this node (its socket exists).
    static bool available();

protected:
    // The payload is "SF_ID text", as ModuleLog formats it.
    void sink_it_(const spdlog::details::log_msg& msg) override;
    void flush_() override {}

private:
    std::string module_;
};

}  // namespace safefarm::control
