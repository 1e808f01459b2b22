#include "module/FarmPlan.h"

#include <gtest/gtest.h>

using namespace safefarm;
using namespace safefarm::module;

namespace {

const char* kCluster = R"(<cluster><lans>
  <lan name="lab"><node name="n1" addr="198.18.0.11"/><node name="n2" addr="198.18.0.12"/><node name="n3" addr="198.18.0.13"/></lan>
  <lan name="admin"><node name="n1" addr="10.9.0.1"/><node name="n2" addr="10.9.0.2"/><node name="n3" addr="10.9.0.3"/></lan>
</lans></cluster>)";

std::string moduleXml(const std::string& farmLans, const std::string& intf, const std::string& groups) {
    return R"(<safe><service mode="farm"><farm>)" + farmLans + R"(</farm><vip><interface_list>)" + intf +
           R"(</interface_list><loadbalancing_list>)" + groups + R"(</loadbalancing_list></vip></service></safe>)";
}

const std::string kIntf = R"(<interface name="eth0"><virtual_interface type="vmac_invisible">
  <virtual_addr addr="198.18.0.100" where="alias"/><virtual_addr addr="2001:db8::100" where="alias"/>
</virtual_interface></interface>)";
const std::string kGroup = R"(<group name="web"><rule port="80" proto="tcp" filter="on_addr"/>
  <rule port="*" proto="udp" filter="on_port"/></group>)";

LocalAddr local(const char* ifname, const char* addr, int len) { return LocalAddr{ifname, parseIp(addr).value(), len}; }

struct Parsed {
    std::shared_ptr<const config::ClusterConfig> cluster;
    std::shared_ptr<const config::ModuleConfig> module;
};

Parsed parse(const std::string& text) {
    Parsed p;
    p.cluster = config::parseClusterText(kCluster, "cluster.xml").config;
    config::ParseContext ctx;
    ctx.cluster = p.cluster.get();
    auto m = config::parseUserConfigText(text, "userconfig.xml", ctx);
    for (const auto& e : m.errors) ADD_FAILURE() << e.format();
    p.module = m.config;
    return p;
}

}  // namespace

TEST(FarmPlanTest, IdsFollowClusterOrderAndSelfIsFoundByAddress) {
    auto p = parse(moduleXml(R"(<lan name="lab"/><lan name="admin"/>)", kIntf, kGroup));
    auto plan = makeFarmPlan(*p.module, *p.cluster, "", {local("eth0", "198.18.0.12", 16)});
    ASSERT_TRUE(plan.ok()) << plan.error().message();
    EXPECT_EQ(plan->self, 2);
    ASSERT_EQ(plan->nodes.size(), 3u);
    EXPECT_EQ(plan->nodes[2].name, "n3");
    EXPECT_EQ(plan->nodes[2].id, 3);
    ASSERT_EQ(plan->nodes[2].lanAddrs.size(), 2u);
    EXPECT_EQ(formatIp(plan->nodes[2].lanAddrs[1]), "10.9.0.3");
    EXPECT_EQ(plan->ifname, "eth0");
    EXPECT_EQ(formatMac(plan->vmac), "5a:fe:c6:12:00:64");
    ASSERT_EQ(plan->vips.size(), 2u);
    ASSERT_EQ(plan->rules.size(), 2u);
    EXPECT_EQ(plan->rules[0].port, 80);
    EXPECT_EQ(plan->rules[1].port, 0);  // "*": every port, one rule
    EXPECT_EQ(plan->rules[1].filter, FARM_FILTER_ON_PORT);
    EXPECT_EQ(plan->port, 4803);
}

TEST(FarmPlanTest, SelfByName) {
    auto p = parse(moduleXml(R"(<lan name="lab"/>)", kIntf, kGroup));
    auto plan = makeFarmPlan(*p.module, *p.cluster, "n3", {});
    ASSERT_TRUE(plan.ok()) << plan.error().message();
    EXPECT_EQ(plan->self, 3);
    EXPECT_FALSE(makeFarmPlan(*p.module, *p.cluster, "n9", {}).ok());
}

// <interface xdp_mode> was parsed and never used: every module attached
// in auto mode whatever it said.
TEST(FarmPlanTest, TheInterfacesXdpModeIsThePlans) {
    auto p = parse(moduleXml(R"(<lan name="lab"/>)", kIntf, kGroup));
    EXPECT_EQ(makeFarmPlan(*p.module, *p.cluster, "n3", {}).value().xdpMode, XdpMode::Auto);
    std::string skb = kIntf;
    skb.replace(skb.find(R"(name="eth0")"), 11, R"(name="eth0" xdp_mode="skb")");
    auto q = parse(moduleXml(R"(<lan name="lab"/>)", skb, kGroup));
    EXPECT_EQ(makeFarmPlan(*q.module, *q.cluster, "n3", {}).value().xdpMode, XdpMode::Skb);
}

TEST(FarmPlanTest, NotAFarmNodeIsRefused) {
    auto p = parse(moduleXml(R"(<lan name="lab"/>)", kIntf, kGroup));
    auto plan = makeFarmPlan(*p.module, *p.cluster, "", {local("eth0", "198.18.0.99", 16)});
    ASSERT_FALSE(plan.ok());
    EXPECT_NE(plan.error().message().find("none of the farm's node addresses"), std::string::npos);
}

TEST(FarmPlanTest, UnnamedInterfaceIsTheVipSubnet) {
    std::string intf = R"(<interface><virtual_interface type="vmac_invisible">
      <virtual_addr addr="198.18.0.100" where="alias"/></virtual_interface></interface>)";
    auto p = parse(moduleXml(R"(<lan name="lab"/>)", intf, kGroup));
    auto plan =
        makeFarmPlan(*p.module, *p.cluster, "n1",
                     {local("lo", "127.0.0.1", 8), local("eth1", "10.9.0.1", 24), local("eth0", "198.18.0.11", 16)});
    ASSERT_TRUE(plan.ok()) << plan.error().message();
    EXPECT_EQ(plan->ifname, "eth0");
    auto none = makeFarmPlan(*p.module, *p.cluster, "n1", {local("eth1", "10.9.0.1", 24)});
    ASSERT_FALSE(none.ok());
    EXPECT_NE(none.error().message().find("subnet of 198.18.0.100"), std::string::npos);
}

TEST(FarmPlanTest, PortRangeExpandsAndTooManyIsRefused) {
    auto ok = parse(moduleXml(R"(<lan name="lab"/>)", kIntf,
                              R"(<group name="g"><rule port="8000-8009" proto="tcp" filter="on_addr"/></group>)"));
    auto plan = makeFarmPlan(*ok.module, *ok.cluster, "n1", {});
    ASSERT_TRUE(plan.ok()) << plan.error().message();
    EXPECT_EQ(plan->rules.size(), 10u);
    auto big = parse(moduleXml(R"(<lan name="lab"/>)", kIntf,
                               R"(<group name="g"><rule port="8000-8100" proto="tcp" filter="on_addr"/></group>)"));
    auto refused = makeFarmPlan(*big.module, *big.cluster, "n1", {});
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message().find("more than 64"), std::string::npos);
}

TEST(FarmPlanTest, GroupHostsGiveWeights) {
    auto p = parse(moduleXml(R"(<lan name="lab"/>)", kIntf, R"(<group name="g">
      <cluster><host name="n1" power="2"/><host name="n2" power="0"/><host name="n3"/></cluster>
      <rule port="80" proto="tcp" filter="on_addr"/></group>)"));
    auto plan = makeFarmPlan(*p.module, *p.cluster, "n1", {});
    ASSERT_TRUE(plan.ok()) << plan.error().message();
    ASSERT_EQ(plan->hosts.size(), 3u);
    EXPECT_EQ(plan->hosts[0].id, 1);
    EXPECT_EQ(plan->hosts[0].power, 2u);
    EXPECT_EQ(plan->hosts[1].power, 0u);
}

TEST(FarmPlanTest, DirectedModeHasNoVmacAndItsArpRule) {
    std::string intf = R"(<interface name="eth0"><virtual_interface type="vmac_directed">
      <virtual_addr addr="198.18.0.100" where="alias"/></virtual_interface></interface>)";
    auto p = parse(moduleXml(R"(<lan name="lab"/>)", intf, R"(<group name="web">
      <rule port="80" proto="tcp" filter="on_addr"/><rule proto="arp" filter="on_addr"/></group>)"));
    auto plan = makeFarmPlan(*p.module, *p.cluster, "n1", {});
    ASSERT_TRUE(plan.ok()) << plan.error().message();
    EXPECT_EQ(plan->mode, FARM_MODE_VMAC_DIRECTED);
    EXPECT_EQ(plan->vmac, Mac{});
    EXPECT_EQ(plan->arpFilter, FARM_FILTER_ON_ADDR);
    EXPECT_EQ(plan->rules.size(), 1u);
}
