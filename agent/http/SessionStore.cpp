#include "http/SessionStore.h"

#include <algorithm>

#include "http/Crypto.h"

namespace safefarm::http {

SessionStore::SessionStore(Clock clock, std::chrono::seconds idle, std::chrono::seconds lifetime,
                           std::size_t maxSessions, std::size_t maxPerUser)
    : clock_(std::move(clock)),
      idle_(idle),
      lifetime_(lifetime),
      max_(std::max<std::size_t>(maxSessions, 1)),
      maxPerUser_(std::max<std::size_t>(maxPerUser, 1)) {}

bool SessionStore::expired(const Session& s, TimePoint now) const { return now >= expiresAt(s); }

TimePoint SessionStore::expiresAt(const Session& s) const {
    return std::min(s.lastUsed + idle_, s.created + lifetime_);
}

// Expired sessions go; then the user's own least recently used while the
// user is at its cap; then, while the store is full, one of the lowest role
// no higher than `role`, the least recently used of them. False: full of
// higher roles.
bool SessionStore::makeRoom(const std::string& user, Role role, TimePoint now) {
    std::erase_if(sessions_, [&](const auto& kv) { return expired(kv.second, now); });
    auto before = [](const Session& a, const Session& b) {
        return a.role != b.role ? static_cast<int>(a.role) < static_cast<int>(b.role) : a.lastUsed < b.lastUsed;
    };
    auto lru = [&](auto pick) {
        auto best = sessions_.end();
        for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
            if (pick(it->second) && (best == sessions_.end() || before(it->second, best->second))) best = it;
        return best;
    };
    auto mine = [&](const Session& s) { return s.user == user; };
    while (static_cast<std::size_t>(std::count_if(sessions_.begin(), sessions_.end(),
                                                  [&](const auto& kv) { return mine(kv.second); })) >= maxPerUser_)
        sessions_.erase(lru(mine));
    while (sessions_.size() >= max_) {
        auto it = lru([&](const Session& s) { return static_cast<int>(s.role) <= static_cast<int>(role); });
        if (it == sessions_.end()) return false;
        sessions_.erase(it);
    }
    return true;
}

Result<const Session*> SessionStore::create(const std::string& user, Role role) {
    auto id = randomHex(32), csrf = randomHex(32);
    if (!id) return id.error();
    if (!csrf) return csrf.error();
    auto now = clock_();
    if (!makeRoom(user, role, now)) return static_cast<const Session*>(nullptr);
    Session s{std::move(id.value()), user, std::move(csrf.value()), now, now, role};
    auto key = sha256Hex(s.id);
    return &sessions_.insert_or_assign(std::move(key), std::move(s)).first->second;
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
