// Warnings an unauthenticated sender can cause (a refused peer call, a
// failed login), at most one line per sender and period: one line per
// request let a flood write the log as fast as it could send (issue 14).
// The line that is written says how many were held back since the last.
//
// Used on the io_context's thread only (no lock).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "http/Clock.h"

namespace safefarm::http {

class WarnLimiter {
public:
    WarnLimiter(Clock clock, std::chrono::seconds period, std::size_t maxSenders = 1024);

    // Whether to write this sender's line now; `held` is then how many of
    // its lines were held back since its last one. Past maxSenders, new
    // senders share one slot ("" ), so the table stays bounded.
    bool allow(const std::string& sender, uint64_t& held);

private:
    struct Slot {
        TimePoint last;
        uint64_t held = 0;
    };
    Clock clock_;
    std::chrono::seconds period_;
    std::size_t max_;
    std::map<std::string, Slot> slots_;
};

// " (N more since the last line)", or "" when none were held back.
std::string heldBack(uint64_t held);

}  // namespace safefarm::http
