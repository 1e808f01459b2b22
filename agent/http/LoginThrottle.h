// Failed logins slow down whoever makes them: per client address and per
// user name, a few free failures, then an exponential back-off (1 s, 2 s,
// 4 s, ... up to `maxDelay`) during which that address or that user is
// answered 429 without a password being tried. A success clears the count;
// quiet for `forget`, the count is forgotten.
//
// Per user as well as per address, so a botnet cannot try one account from
// many addresses; the cap on the delay bounds how long someone who guesses
// wrong on purpose can keep a real user out.
//
// Bounded under a flood of names and addresses without forgetting a target:
// the counts of real users (`keep`) live apart and are never dropped for
// room; in the bounded table the entries with the fewest failures go first
// (issue 14: 10,032 wrong keys from distinct addresses erased every entry
// not blocked at that instant, the targeted user's count with them).
//
// Used on the io_context's thread only (no lock).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

#include "http/Clock.h"

namespace safefarm::http {

struct ThrottlePolicy {
    unsigned freeFailures = 5;
    std::chrono::seconds baseDelay{1};
    std::chrono::seconds maxDelay{300};
    std::chrono::seconds forget{900};
    std::size_t maxEntries = 10000;  // memory bound under a flood of names
};

class LoginThrottle {
public:
    LoginThrottle(Clock clock, ThrottlePolicy policy = {});

    // How long `key` must wait before it is heard again; zero: go ahead.
    std::chrono::seconds retryAfter(const std::string& key) const;
    // keep: a real user's count, never dropped to make room.
    void failed(const std::string& key, bool keep = false);
    void succeeded(const std::string& key) {
        entries_.erase(key);
        kept_.erase(key);
    }
    std::size_t size() const { return entries_.size() + kept_.size(); }

    static std::string addressKey(const std::string& address) { return "addr " + address; }
    static std::string userKey(const std::string& user) { return "user " + user; }

private:
    struct Entry {
        unsigned failures = 0;
        TimePoint lastFailure;
        TimePoint blockedUntil;
    };
    void prune(TimePoint now);
    const Entry* find(const std::string& key) const;

    Clock clock_;
    ThrottlePolicy policy_;
    std::unordered_map<std::string, Entry> entries_;  // bounded by maxEntries
    std::unordered_map<std::string, Entry> kept_;     // real users: as many as the users file has
};

}  // namespace safefarm::http
