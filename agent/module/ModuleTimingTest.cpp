#include "module/ModuleTiming.h"

#include <gtest/gtest.h>

namespace safefarm::module {
namespace {

using namespace std::chrono_literals;

// The timings an operator sets come from <farm>, whose defaults are the
// vocabulary table's (pulse 50ms, slost_count 4): no second copy here.
TEST(ModuleTimingTest, FromTheFarmsPulseAndSlostCount) {
    auto parsed = config::parseUserConfigFile("../../../docs/samples/minimal.xml", {});
    ASSERT_TRUE(parsed.config);
    auto t = moduleTiming(parsed.config->farm);
    EXPECT_EQ(t.pulse, 50ms);
    EXPECT_EQ(t.lease, 150ms);       // a pulse before the peers may declare the node dead
    EXPECT_EQ(t.linkSettle, 200ms);  // every live peer heard

    config::FarmConfig farm;
    farm.pulse = config::Duration(700ms);  // SafeKit's
    farm.slostCount = 3;
    t = moduleTiming(farm);
    EXPECT_EQ(t.lease, 1400ms);
    EXPECT_EQ(t.linkSettle, 2100ms);
    farm.slostCount = 1;
    EXPECT_EQ(moduleTiming(farm).lease, 700ms);  // never less than a pulse
}

}  // namespace
}  // namespace safefarm::module
