#include "http/WarnLimiter.h"

#include <algorithm>

namespace safefarm::http {

WarnLimiter::WarnLimiter(Clock clock, std::chrono::seconds period, std::size_t maxSenders)
    : clock_(std::move(clock)), period_(period), max_(std::max<std::size_t>(maxSenders, 1)) {}

bool WarnLimiter::allow(const std::string& sender, uint64_t& held) {
    auto now = clock_();
    auto it = slots_.find(sender);
    if (it == slots_.end()) {
        if (slots_.size() >= max_)  // quiet senders first, then the shared slot
            std::erase_if(slots_, [&](const auto& kv) { return now - kv.second.last >= period_ && !kv.second.held; });
        it = slots_.size() < max_ ? slots_.emplace(sender, Slot{now - period_, 0}).first
                                  : slots_.try_emplace(std::string(), Slot{now - period_, 0}).first;
    }
    Slot& s = it->second;
    if (now - s.last < period_) {
        s.held++;
        return false;
    }
    held = s.held;
    s = Slot{now, 0};
    return true;
}

std::string heldBack(uint64_t held) { return held ? " (" + std::to_string(held) + " more since the last line)" : ""; }

}  // namespace safefarm::http
