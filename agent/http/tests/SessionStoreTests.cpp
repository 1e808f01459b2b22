#include "http/SessionStore.h"

#include <gtest/gtest.h>

#include <vector>

#include "FakeClock.h"

namespace safefarm::http {
namespace {

using namespace std::chrono_literals;

using FakeClock = safefarm::test::FakeClock<>;

TEST(SessionStore, CreateFindRemove) {
    FakeClock t;
    SessionStore store(t.clock(), 60s, 3600s, 10);
    const Session& s = *store.create("alice", Role::Monitor).value();
    std::string id = s.id, csrf = s.csrf;
    EXPECT_EQ(id.size(), 64u);
    EXPECT_EQ(csrf.size(), 64u);
    EXPECT_NE(id, csrf);
    ASSERT_NE(store.find(id), nullptr);
    EXPECT_EQ(store.find(id)->user, "alice");
    EXPECT_EQ(store.find(id)->csrf, csrf);
    EXPECT_EQ(store.find(id + "0"), nullptr);
    EXPECT_EQ(store.find(""), nullptr);
    store.remove(id);
    EXPECT_EQ(store.find(id), nullptr);
}

TEST(SessionStore, IdleExpiryRestartsOnUse) {
    FakeClock t;
    SessionStore store(t.clock(), 60s, 3600s, 10);
    std::string id = store.create("alice", Role::Monitor).value()->id;
    t.now += 50s;
    ASSERT_NE(store.find(id), nullptr);  // used: 60 s more
    t.now += 50s;
    ASSERT_NE(store.find(id), nullptr);
    t.now += 60s;
    EXPECT_EQ(store.find(id), nullptr);
    EXPECT_EQ(store.size(), 0u);
}

TEST(SessionStore, LifetimeEndsEvenABusySession) {
    FakeClock t;
    SessionStore store(t.clock(), 60s, 300s, 10);
    std::string id = store.create("alice", Role::Monitor).value()->id;
    for (int i = 0; i < 5; ++i) {
        t.now += 50s;
        ASSERT_NE(store.find(id), nullptr) << i;
    }
    t.now += 50s;  // 300 s after login
    EXPECT_EQ(store.find(id), nullptr);
}

TEST(SessionStore, FullStoreDropsTheLeastRecentlyUsed) {
    FakeClock t;
    SessionStore store(t.clock(), 600s, 3600s, 2);
    std::string a = store.create("a", Role::Monitor).value()->id;
    t.now += 1s;
    std::string b = store.create("b", Role::Monitor).value()->id;
    t.now += 1s;
    ASSERT_NE(store.find(a), nullptr);  // a is now fresher than b
    std::string c = store.create("c", Role::Monitor).value()->id;
    EXPECT_NE(store.find(a), nullptr);
    EXPECT_EQ(store.find(b), nullptr);
    EXPECT_NE(store.find(c), nullptr);
}

// One user logging in again and again ends only its own oldest sessions
// (issue 14: a monitor logged everybody out with 1000 logins).
TEST(SessionStore, AUserAtItsCapEndsOnlyItsOwnOldest) {
    FakeClock t;
    SessionStore store(t.clock(), 600s, 3600s, 100, 3);
    std::string admin = store.create("adm", Role::Admin).value()->id;
    std::vector<std::string> mon;
    for (int i = 0; i < 50; ++i) {
        t.now += 1s;
        mon.push_back(store.create("mon", Role::Monitor).value()->id);
    }
    EXPECT_NE(store.find(admin), nullptr);
    EXPECT_EQ(store.size(), 4u);
    EXPECT_EQ(store.find(mon[0]), nullptr);
    EXPECT_NE(store.find(mon[49]), nullptr);
}

// A full store makes room among sessions of no higher role than the new
// one's: never an admin's for a monitor's.
TEST(SessionStore, AFullStoreNeverEndsAHigherRolesSessionForALowerOne) {
    FakeClock t;
    SessionStore store(t.clock(), 600s, 3600s, 3, 16);
    std::string a1 = store.create("adm", Role::Admin).value()->id;
    t.now += 1s;
    std::string m1 = store.create("mon1", Role::Monitor).value()->id;
    t.now += 1s;
    std::string a2 = store.create("adm2", Role::Admin).value()->id;
    t.now += 1s;
    std::string m2 = store.create("mon2", Role::Monitor).value()->id;  // ends mon1, not the older adm
    EXPECT_NE(store.find(a1), nullptr);
    EXPECT_EQ(store.find(m1), nullptr);
    EXPECT_NE(store.find(m2), nullptr);
    t.now += 1s;
    std::string a3 = store.create("adm3", Role::Admin).value()->id;  // a monitor's goes first, even if fresher
    EXPECT_EQ(store.find(m2), nullptr);
    EXPECT_EQ(store.create("mon3", Role::Monitor).value(), nullptr);  // only admins left: refused
    EXPECT_NE(store.find(a1), nullptr);
    EXPECT_NE(store.find(a2), nullptr);
    EXPECT_NE(store.find(a3), nullptr);
}

TEST(SessionStore, RemoveUserEndsAllTheirSessions) {
    FakeClock t;
    SessionStore store(t.clock(), 600s, 3600s, 10);
    std::string a1 = store.create("a", Role::Monitor).value()->id, a2 = store.create("a", Role::Monitor).value()->id,
                b = store.create("b", Role::Monitor).value()->id;
    store.removeUser("a");
    EXPECT_EQ(store.find(a1), nullptr);
    EXPECT_EQ(store.find(a2), nullptr);
    EXPECT_NE(store.find(b), nullptr);
}

}  // namespace
}  // namespace safefarm::http
