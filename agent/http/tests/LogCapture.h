// What safed's log (spdlog's default logger) received while one lives: the
// lines the server writes from its own thread, for a test to read.
#pragma once

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>

namespace safefarm::http::test {

class LogCapture {
public:
    LogCapture() : previous_(spdlog::default_logger()) {
        spdlog::set_default_logger(
            std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)));
    }
    ~LogCapture() { spdlog::set_default_logger(previous_); }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;

    std::string text() const { return out_.str(); }

private:
    std::ostringstream out_;  // declared before the logger that writes to it is installed
    std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace safefarm::http::test
