// The real Clock: std::chrono::steady_clock (CLOCK_MONOTONIC on Linux) and
// Asio timers on the modules' io_context.
#pragma once

#include <boost/asio/io_context.hpp>

#include "module/Clock.h"

namespace safefarm::module {

class SteadyClock : public Clock {
public:
    explicit SteadyClock(boost::asio::io_context& io) : io_(io) {}
    std::chrono::nanoseconds now() const override;
    std::unique_ptr<Timer> timer() override;

private:
    boost::asio::io_context& io_;
};

}  // namespace safefarm::module
