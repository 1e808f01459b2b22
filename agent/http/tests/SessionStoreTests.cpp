#include "http/SessionStore.h"

#include <gtest/gtest.h>

namespace safefarm::http {
namespace {

using namespace std::chrono_literals;

struct FakeClock {
    TimePoint now = TimePoint(1000h);
    Clock clock() {
        return [this] { return now; };
    }
};

TEST(SessionStore, CreateFindRemove) {
    FakeClock t;
    SessionStore store(t.clock(), 60s, 3600s, 10);
    const Session& s = store.create("alice");
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
    std::string id = store.create("alice").id;
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
    std::string id = store.create("alice").id;
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
    std::string a = store.create("a").id;
    t.now += 1s;
    std::string b = store.create("b").id;
    t.now += 1s;
    ASSERT_NE(store.find(a), nullptr);  // a is now fresher than b
    std::string c = store.create("c").id;
    EXPECT_NE(store.find(a), nullptr);
    EXPECT_EQ(store.find(b), nullptr);
    EXPECT_NE(store.find(c), nullptr);
}

TEST(SessionStore, RemoveUserEndsAllTheirSessions) {
    FakeClock t;
    SessionStore store(t.clock(), 600s, 3600s, 10);
    std::string a1 = store.create("a").id, a2 = store.create("a").id, b = store.create("b").id;
    store.removeUser("a");
    EXPECT_EQ(store.find(a1), nullptr);
    EXPECT_EQ(store.find(a2), nullptr);
    EXPECT_NE(store.find(b), nullptr);
}

}  // namespace
}  // namespace safefarm::http
