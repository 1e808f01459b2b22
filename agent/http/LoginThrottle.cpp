#include "http/LoginThrottle.h"

#include <algorithm>

namespace safefarm::http {

using std::chrono::seconds;

LoginThrottle::LoginThrottle(Clock clock, ThrottlePolicy policy) : clock_(std::move(clock)), policy_(policy) {}

seconds LoginThrottle::retryAfter(const std::string& key) const {
    auto it = entries_.find(key);
    if (it == entries_.end()) return seconds(0);
    auto now = clock_();
    if (now >= it->second.blockedUntil) return seconds(0);
    // Rounded up: "Retry-After: 0" while still blocked would invite a spin.
    return std::chrono::ceil<seconds>(it->second.blockedUntil - now);
}

void LoginThrottle::failed(const std::string& key) {
    auto now = clock_();
    if (entries_.size() >= policy_.maxEntries && !entries_.count(key)) prune(now);
    auto& e = entries_[key];
    if (e.failures > 0 && now - e.lastFailure >= policy_.forget) e = Entry{};
    e.failures++;
    e.lastFailure = now;
    if (e.failures > policy_.freeFailures) {
        unsigned doublings = std::min(e.failures - policy_.freeFailures - 1, 20u);
        auto delay = std::min<seconds>(policy_.baseDelay * (1LL << doublings), policy_.maxDelay);
        e.blockedUntil = now + delay;
    }
}

void LoginThrottle::prune(TimePoint now) {
    std::erase_if(entries_, [&](const auto& kv) {
        return now - kv.second.lastFailure >= policy_.forget && now >= kv.second.blockedUntil;
    });
    // Still full (a flood): forget the ones not blocked now, then everything.
    // Losing counts under a flood is better than growing without bound.
    if (entries_.size() >= policy_.maxEntries)
        std::erase_if(entries_, [&](const auto& kv) { return now >= kv.second.blockedUntil; });
    if (entries_.size() >= policy_.maxEntries) entries_.clear();
}

}  // namespace safefarm::http
