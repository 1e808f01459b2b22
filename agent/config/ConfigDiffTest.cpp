#include "config/ConfigDiff.h"

#include <gtest/gtest.h>

using namespace safefarm::config;

namespace {

const std::string kBase = R"(<safe>
  <service mode="farm" maxloop="3">
  <farm pulse="100ms"><lan name="default"/></farm>
  <vip><interface_list><interface><virtual_interface><virtual_addr addr="192.168.1.99"/></virtual_interface></interface></interface_list>
  <loadbalancing_list><group name="web"><rule port="80"/></group></loadbalancing_list></vip>
  <check><tcp ident="web"><to addr="127.0.0.1" port="80" timeout="5s"/></tcp></check>
</service></safe>)";

std::shared_ptr<const ModuleConfig> parse(const std::string& text) {
    auto p = parseUserConfigText(text, "u.xml", ParseContext{});
    EXPECT_TRUE(p.config) << (p.errors.empty() ? "" : p.errors[0].format());
    return p.config;
}

std::string with(std::string text, const std::string& from, const std::string& to) {
    auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return text.replace(at, from.size(), to);
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
    auto b = parse(with(with(with(kBase, "maxloop=\"3\"", "maxloop=\"5\" boot=\"on\" loop_interval=\"1h\""),
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
    auto b = parse(with(with(kBase, "pulse=\"100ms\"", "pulse=\"200ms\""), "192.168.1.99", "192.168.1.98"));
    auto d = diffConfigs(*a, *b);
    EXPECT_FALSE(d.appliesLive());
    auto text = d.describe();
    EXPECT_NE(text.find("farm.pulse: 100ms -> 200ms (needs a restart)"), std::string::npos) << text;
    EXPECT_NE(text.find("virtual_addr[192.168.1.99].where: alias -> (absent) (needs a restart)"), std::string::npos) << text;
    EXPECT_NE(text.find("virtual_addr[192.168.1.98].where: (absent) -> alias"), std::string::npos) << text;
}

TEST(ConfigDiffTest, OneLiveAndOneRestartChangeIsNotLive) {
    auto a = parse(kBase);
    auto b = parse(with(with(kBase, "maxloop=\"3\"", "maxloop=\"4\""), "<rule port=\"80\"/>", "<rule port=\"81\"/>"));
    auto d = diffConfigs(*a, *b);
    ASSERT_EQ(d.changes.size(), 2u) << d.describe();
    EXPECT_FALSE(d.appliesLive());
}
