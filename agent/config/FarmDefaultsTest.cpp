#include "config/FarmDefaults.h"

#include <gtest/gtest.h>

#include "UserConfigText.h"
#include "config/ModuleConfig.h"

namespace safefarm::config {
namespace {

using namespace std::chrono_literals;

// What a <farm> without pulse, slost_count and mlost_count gets.
TEST(FarmDefaultsTest, AreWhatAFarmWithoutThemIsGiven) {
    auto parsed = parseUserConfigText(test::kMinimalUserConfig, "userconfig.xml", {});
    ASSERT_TRUE(parsed.config) << formatAll(parsed.errors);
    auto d = defaultFarmTiming();
    EXPECT_EQ(d.pulse, parsed.config->farm.pulse);
    EXPECT_EQ(d.slostCount, parsed.config->farm.slostCount);
    EXPECT_EQ(d.mlostCount, parsed.config->farm.mlostCount);
    // docs/userconfig.md "Heartbeat defaults" explains these.
    EXPECT_EQ(d.pulse, 50ms);
    EXPECT_EQ(d.slostCount, 4u);
}

}  // namespace
}  // namespace safefarm::config
