#include "http/SessionStore.h"

#include <algorithm>

#include "http/Crypto.h"

namespace safefarm::http {

SessionStore::SessionStore(Clock clock, std::chrono::seconds idle, std::chrono::seconds lifetime,
                           std::size_t maxSessions)
    : clock_(std::move(clock)), idle_(idle), lifetime_(lifetime), max_(std::max<std::size_t>(maxSessions, 1)) {}

bool SessionStore::expired(const Session& s, TimePoint now) const { return now >= expiresAt(s); }

TimePoint SessionStore::expiresAt(const Session& s) const {
    return std::min(s.lastUsed + idle_, s.created + lifetime_);
}

void SessionStore::prune(TimePoint now) {
    std::erase_if(sessions_, [&](const auto& kv) { return expired(kv.second, now); });
    // Still full: the least recently used goes, so logins cannot be locked
    // out by someone who logs in many times.
    while (sessions_.size() >= max_) {
        auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](const auto& a, const auto& b) {
            return a.second.lastUsed < b.second.lastUsed;
        });
        sessions_.erase(oldest);
    }
}

const Session& SessionStore::create(const std::string& user) {
    auto now = clock_();
    prune(now);
    Session s{randomHex(32), user, randomHex(32), now, now};
    auto key = sha256Hex(s.id);
    return sessions_.insert_or_assign(std::move(key), std::move(s)).first->second;
}

const Session* SessionStore::find(const std::string& id) {
    if (id.empty()) return nullptr;
    auto it = sessions_.find(sha256Hex(id));
    if (it == sessions_.end()) return nullptr;
    auto now = clock_();
    if (expired(it->second, now)) {
        sessions_.erase(it);
        return nullptr;
    }
    it->second.lastUsed = now;
    return &it->second;
}

void SessionStore::remove(const std::string& id) { sessions_.erase(sha256Hex(id)); }

void SessionStore::removeUser(const std::string& user) {
    std::erase_if(sessions_, [&](const auto& kv) { return kv.second.user == user; });
}

}  // namespace safefarm::http
