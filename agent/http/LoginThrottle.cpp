#include "http/LoginThrottle.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace safefarm::http {

using std::chrono::seconds;

LoginThrottle::LoginThrottle(Clock clock, ThrottlePolicy policy) : clock_(std::move(clock)), policy_(policy) {}

const LoginThrottle::Entry* LoginThrottle::find(const std::string& key) const {
    if (auto it = kept_.find(key); it != kept_.end()) return &it->second;
    if (auto it = entries_.find(key); it != entries_.end()) return &it->second;
    return nullptr;
}

seconds LoginThrottle::retryAfter(const std::string& key) const {
    const Entry* e = find(key);
    if (!e) return seconds(0);
    auto now = clock_();
    if (now >= e->blockedUntil) return seconds(0);
    // Rounded up: "Retry-After: 0" while still blocked would invite a spin.
    return std::chrono::ceil<seconds>(e->blockedUntil - now);
}

void LoginThrottle::failed(const std::string& key, bool keep) {
    auto now = clock_();
    if (keep) {
        if (auto it = entries_.find(key); it != entries_.end()) {  // counted before it was known as kept
            kept_[key] = it->second;
            entries_.erase(it);
        }
    } else if (entries_.size() >= policy_.maxEntries && !entries_.count(key)) {
        prune(now);
    }
    auto& e = keep ? kept_[key] : entries_[key];
    if (e.failures > 0 && now - e.lastFailure >= policy_.forget) e = Entry{};
    e.failures++;
    e.lastFailure = now;
    if (e.failures > policy_.freeFailures) {
        unsigned doublings = std::min(e.failures - policy_.freeFailures - 1, 20u);
        auto delay = std::min<seconds>(policy_.baseDelay * (1LL << doublings), policy_.maxDelay);
        e.blockedUntil = now + delay;
    }
}

// Quiet entries go first; still full (a flood), the entries with the fewest
// failures, oldest first, until a tenth of the table is free: one wrong
// guess from each of many addresses cannot push out a count that matters.
void LoginThrottle::prune(TimePoint now) {
    std::erase_if(entries_, [&](const auto& kv) {
        return now - kv.second.lastFailure >= policy_.forget && now >= kv.second.blockedUntil;
    });
    std::erase_if(kept_, [&](const auto& kv) {
        return now - kv.second.lastFailure >= policy_.forget && now >= kv.second.blockedUntil;
    });
    if (entries_.size() < policy_.maxEntries) return;
    std::vector<std::pair<std::pair<unsigned, TimePoint>, std::string>> order;
    order.reserve(entries_.size());
    for (const auto& [key, e] : entries_) order.push_back({{e.failures, e.lastFailure}, key});
    std::size_t drop = entries_.size() - policy_.maxEntries + std::max<std::size_t>(policy_.maxEntries / 10, 1);
    drop = std::min(drop, order.size());
    std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(drop - 1), order.end());
    for (std::size_t i = 0; i < drop; i++) entries_.erase(order[i].second);
}

}  // namespace safefarm::http
