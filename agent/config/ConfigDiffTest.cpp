#include "config/ConfigDiff.h"

#include <gtest/gtest.h>

#include "UserConfigText.h"

using namespace safefarm::config;
using safefarm::test::replaced;

namespace {

const std::string& kBase = safefarm::test::kChangeableUserConfig;

std::shared_ptr<const ModuleConfig> parse(const std::string& text) {
    auto p = parseUserConfigText(text, "u.xml", ParseContext{});
    EXPECT_TRUE(p.config) << (p.errors.empty() ? "" : p.errors[0].format());
    return p.config;
}
}  // namespace

TEST(ConfigDiffTest, SameConfigurationIsEmpty) {
    auto a = parse(kBase);
    auto d = diffConfigs(*a, *parse(kBase));
    EXPECT_TRUE(d.empty());
    EXPECT_TRUE(d.appliesLive());
}

TEST(ConfigDiffTest, ServiceAndCheckersApplyLive) {
    auto a = parse(kBase);
    auto b = parse(replaced(replaced(replaced(kBase, "maxloop=\"3\"", "maxloop=\"5\" boot=\"on\" loop_interval=\"1h\""),
                                     "timeout=\"5s\"", "timeout=\"2s\""),
                            "</check>", "<ping ident=\"gw\"><to addr=\"192.168.1.1\"/></ping></check>"));
    auto d = diffConfigs(*a, *b);
    EXPECT_TRUE(d.appliesLive()) << d.describe();
    auto text = d.describe();
    EXPECT_NE(text.find("service.maxloop: 3 -> 5 (live)"), std::string::npos) << text;
    EXPECT_NE(text.find("service.boot: off -> on (live)"), std::string::npos) << text;
    EXPECT_NE(text.find("service.loop_interval: 1d -> 1h (live)"), std::string::npos) << text;
    EXPECT_NE(text.find("check[web].to.timeout: 5s -> 2s (live)"), std::string::npos) << text;
    EXPECT_NE(text.find("check[gw].kind: (absent) -> ping (live)"), std::string::npos) << text;
}

TEST(ConfigDiffTest, VipAndFarmNeedARestart) {
    auto a = parse(kBase);
    auto b = parse(replaced(replaced(kBase, "pulse=\"100ms\"", "pulse=\"200ms\""), "192.168.1.99", "192.168.1.98"));
    auto d = diffConfigs(*a, *b);
    EXPECT_FALSE(d.appliesLive());
    auto text = d.describe();
    EXPECT_NE(text.find("farm.pulse: 100ms -> 200ms (needs a restart)"), std::string::npos) << text;
    EXPECT_NE(text.find("virtual_addr[192.168.1.99].where: alias -> (absent) (needs a restart)"), std::string::npos)
        << text;
    EXPECT_NE(text.find("virtual_addr[192.168.1.98].where: (absent) -> alias"), std::string::npos) << text;
}

TEST(ConfigDiffTest, OneLiveAndOneRestartChangeIsNotLive) {
    auto a = parse(kBase);
    auto b = parse(
        replaced(replaced(kBase, "maxloop=\"3\"", "maxloop=\"4\""), "<rule port=\"80\"/>", "<rule port=\"81\"/>"));
    auto d = diffConfigs(*a, *b);
    ASSERT_EQ(d.changes.size(), 2u) << d.describe();
    EXPECT_FALSE(d.appliesLive());
}
