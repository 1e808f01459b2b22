#include "config/ConfigStore.h"

#include <gtest/gtest.h>

#include "UserConfigText.h"

using namespace safefarm::config;
using safefarm::test::replaced;

namespace {

const std::string& kBase = safefarm::test::kChangeableUserConfig;

ModuleParse parse(const std::string& text) { return parseUserConfigText(text, "u.xml", ParseContext{}); }
}  // namespace

TEST(ConfigStoreTest, FirstValidConfigurationIsApplied) {
    ConfigStore store;
    auto r = store.propose(parse(kBase), false);
    EXPECT_EQ(r.outcome, ReloadOutcome::Applied);
    ASSERT_TRUE(store.current());
    EXPECT_EQ(store.current()->service.maxloop, 3u);
}

TEST(ConfigStoreTest, InvalidConfigurationChangesNothing) {
    ConfigStore store;
    ASSERT_EQ(store.propose(parse(kBase), true).outcome, ReloadOutcome::Applied);
    auto before = store.current();
    // One valid live change and one error: nothing of it is applied.
    auto r = store.propose(
        parse(replaced(replaced(kBase, "maxloop=\"3\"", "maxloop=\"9\""), "port=\"80\"", "port=\"0\"")), true);
    EXPECT_EQ(r.outcome, ReloadOutcome::Rejected);
    EXPECT_FALSE(r.errors.empty());
    EXPECT_EQ(store.current(), before);
    EXPECT_EQ(store.current()->service.maxloop, 3u);
}

TEST(ConfigStoreTest, LiveChangeAppliesWhileRunning) {
    ConfigStore store;
    ASSERT_EQ(store.propose(parse(kBase), true).outcome, ReloadOutcome::Applied);
    auto r = store.propose(parse(replaced(kBase, "maxloop=\"3\"", "maxloop=\"4\"")), true);
    EXPECT_EQ(r.outcome, ReloadOutcome::Applied);
    EXPECT_EQ(store.current()->service.maxloop, 4u);
    EXPECT_EQ(store.propose(parse(replaced(kBase, "maxloop=\"3\"", "maxloop=\"4\"")), true).outcome,
              ReloadOutcome::Unchanged);
}

TEST(ConfigStoreTest, RestartChangeWaitsWholeForTheRestart) {
    ConfigStore store;
    ASSERT_EQ(store.propose(parse(kBase), true).outcome, ReloadOutcome::Applied);
    // A live part (maxloop) and a restart part (pulse): neither applies now.
    auto r = store.propose(parse(replaced(replaced(kBase, "maxloop=\"3\"", "maxloop=\"4\""), "100ms", "200ms")), true);
    EXPECT_EQ(r.outcome, ReloadOutcome::PendingRestart);
    EXPECT_FALSE(r.diff.appliesLive());
    EXPECT_EQ(store.current()->service.maxloop, 3u);
    EXPECT_EQ(store.current()->farm.pulse, std::chrono::milliseconds(100));
    ASSERT_TRUE(store.pending());
    EXPECT_TRUE(store.commitPending());
    EXPECT_EQ(store.current()->service.maxloop, 4u);
    EXPECT_EQ(store.current()->farm.pulse, std::chrono::milliseconds(200));
    EXPECT_FALSE(store.commitPending());
}

TEST(ConfigStoreTest, StoppedModuleTakesAnyChange) {
    ConfigStore store;
    ASSERT_EQ(store.propose(parse(kBase), false).outcome, ReloadOutcome::Applied);
    auto r = store.propose(parse(replaced(kBase, "100ms", "200ms")), false);
    EXPECT_EQ(r.outcome, ReloadOutcome::Applied);
    EXPECT_EQ(store.current()->farm.pulse, std::chrono::milliseconds(200));
}
