// Browser sessions after a login: an opaque random id (the cookie) and a
// CSRF token the page sends back in X-CSRF-Token on every change. A session
// ends on logout, after `idle` without a request, or `lifetime` after the
// login whichever comes first. In memory only: a restart of safed logs
// everybody out, which is the safe side.
//
// Bounded for every user apart: at most maxPerUser sessions a user (a new
// one ends that user's least recently used), and when the store is full a
// login ends a session of the lowest role there is, no higher than its
// own, the least recently used of them: never an admin's for a monitor's (issue 14: anyone who could log in
// logged every other user out by logging in 1000 times).
//
// Used on the io_context's thread only (no lock).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>

#include "common/Result.h"
#include "http/Clock.h"
#include "http/Role.h"

namespace safefarm::http {

struct Session {
    std::string id;  // the cookie value; only its hash is a key here
    std::string user;
    std::string csrf;  // returned at login, required on non-GET requests
    TimePoint created;
    TimePoint lastUsed;
    Role role = Role::Monitor;  // at login: whom this session may make room for
};

class SessionStore {
public:
    SessionStore(Clock clock, std::chrono::seconds idle, std::chrono::seconds lifetime, std::size_t maxSessions,
                 std::size_t maxPerUser = 16);

    // Null: the store is full of sessions of higher roles than `role`; an
    // error: no random id to give (Crypto.h randomHex).
    Result<const Session*> create(const std::string& user, Role role);
    // The live session with this id (its idle timer restarted), or null;
    // an expired one is forgotten on the way.
    const Session* find(const std::string& id);
    void remove(const std::string& id);
    // A user removed from the users file: every session of theirs ends.
    void removeUser(const std::string& user);

    TimePoint expiresAt(const Session& s) const;
    std::size_t size() const { return sessions_.size(); }
    std::chrono::seconds lifetime() const { return lifetime_; }

private:
    bool expired(const Session& s, TimePoint now) const;
    bool makeRoom(const std::string& user, Role role, TimePoint now);

    Clock clock_;
    std::chrono::seconds idle_;
    std::chrono::seconds lifetime_;
    std::size_t max_;
    std::size_t maxPerUser_;
    // Keyed by SHA-256 of the id: a map lookup compares keys byte by byte,
    // and an attacker must not learn how much of a guessed id was right.
    std::map<std::string, Session> sessions_;
};

}  // namespace safefarm::http
