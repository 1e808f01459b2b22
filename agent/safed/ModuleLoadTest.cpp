#include "safed/ModuleLoad.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include "safed/TestModuleFiles.h"

namespace safefarm::safed {
namespace {

using testing::ConfigFolder;
using testing::kUserConfigXml;
using testing::replaced;

class ModuleLoadTest : public ::testing::Test {
protected:
    // This machine, as the tests see it: node1, eth0 in the VIP's subnet.
    ModuleChecks checks(Scope scope) const {
        ModuleChecks c;
        c.clusterFile = (folder_.root() / "cluster.xml").string();
        c.scope = scope;
        c.interfaceFamilies = [this](const std::string& name) -> std::optional<std::vector<int>> {
            if (name == "eth0") return std::vector<int>{AF_INET};
            return std::nullopt;
        };
        c.localAddresses = [this] { return local_; };
        return c;
    }
    LoadedModule load(Scope scope, const std::string& userconfig) {
        return loadModule(folder_.writeModule("farm", userconfig).string(), checks(scope));
    }

    ConfigFolder folder_;
    std::vector<module::LocalAddr> local_{{"eth0", parseIp("192.168.1.11").value(), 24}};
};

TEST_F(ModuleLoadTest, LoadsAsFarAsItIsAsked) {
    auto parsed = load(Scope::Parse, kUserConfigXml);
    ASSERT_TRUE(parsed.ok()) << parsed.refusal("farm");
    EXPECT_TRUE(parsed.cluster && parsed.config);
    EXPECT_FALSE(parsed.plan);
    auto here = load(Scope::ThisNode, kUserConfigXml);
    ASSERT_TRUE(here.ok()) << here.refusal("farm");
    ASSERT_TRUE(here.plan);
    EXPECT_EQ(here.plan->self, 1);
    EXPECT_EQ(here.plan->ifname, "eth0");
    auto any = load(Scope::AnyNode, kUserConfigXml);
    ASSERT_TRUE(any.ok()) << any.refusal("farm");
    EXPECT_EQ(any.plan->nodes.size(), 3u);
}

TEST_F(ModuleLoadTest, ABrokenClusterXmlRefusesEveryScope) {
    folder_.writeCluster(
        "<cluster><lans><lan name=\"default\"><node name=\"n\" addr=\"nowhere\"/></lan></lans></cluster>");
    for (Scope s : {Scope::Parse, Scope::AnyNode, Scope::ThisNode}) {
        auto r = load(s, kUserConfigXml);
        EXPECT_EQ(r.refusedAt, LoadedModule::Step::Cluster);
        ASSERT_EQ(r.errors.size(), 1u);
        EXPECT_EQ(r.errors[0].rfind(
                      "cluster configuration refused:\n  " + (folder_.root() / "cluster.xml").string() + ":", 0),
                  0u)
            << r.errors[0];
    }
}

TEST_F(ModuleLoadTest, EveryErrorOfTheFileOneLineEach) {
    auto text = replaced(kUserConfigXml, "<lan name=\"default\"/>", "<lan name=\"elsewhere\"/>");
    text = replaced(text, "<rule port=\"80\"/>", "<rule port=\"0\"/>");
    auto r = load(Scope::Parse, text);
    EXPECT_EQ(r.refusedAt, LoadedModule::Step::Config);
    ASSERT_EQ(r.errors.size(), 2u);
    std::string file = (folder_.module("farm") / "conf/userconfig.xml").string();
    for (const auto& e : r.errors) EXPECT_EQ(e.rfind(file + ":", 0), 0u) << e;
    EXPECT_NE((r.errors[0] + r.errors[1]).find(file + ":5: "), std::string::npos);
    EXPECT_NE((r.errors[0] + r.errors[1]).find("lan 'elsewhere' is not declared in"), std::string::npos);
    EXPECT_EQ(r.refusal("farm.safe"), "farm.safe refused:\n  " + r.errors[0] + "\n  " + r.errors[1]);
}

TEST_F(ModuleLoadTest, AnEditIsCheckedInPlaceOfTheFileAndNamedUserconfigXml) {
    folder_.writeModule("farm", kUserConfigXml);
    auto c = checks(Scope::ThisNode);
    c.userconfig = replaced(kUserConfigXml, "<lan name=\"default\"/>", "<lan name=\"elsewhere\"/>");
    auto r = loadModule(folder_.module("farm").string(), c);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].rfind("userconfig.xml:5: ", 0), 0u) << r.errors[0];
}

// The plan's own rules hold on any node: `module install` refuses them too.
TEST_F(ModuleLoadTest, APlanNoNodeCouldMakeIsRefusedByAnyNode) {
    auto text = replaced(kUserConfigXml, "<rule port=\"80\"/>", "<rule port=\"8000-8100\"/>");
    EXPECT_TRUE(load(Scope::Parse, text).ok());
    for (Scope s : {Scope::AnyNode, Scope::ThisNode}) {
        auto r = load(s, text);
        EXPECT_EQ(r.refusedAt, LoadedModule::Step::Plan);
        EXPECT_EQ(r.errors, std::vector<std::string>{
                                "the rules of group 'web' need more than 64 data-path rules (use '*' or fewer ports)"});
    }
}

// What depends on this machine's network is left to ThisNode (a start,
// config-check): an example module is installed, then edited here.
TEST_F(ModuleLoadTest, ThisMachinesNetworkIsCheckedByThisNodeAlone) {
    local_ = {{"eth0", parseIp("10.0.0.5").value(), 24}};
    auto subnet = load(Scope::ThisNode, kUserConfigXml);
    EXPECT_EQ(subnet.errors,
              std::vector<std::string>{"none of the farm's node addresses is configured on this machine"});
    local_ = {{"eth0", parseIp("192.168.1.11").value(), 32}, {"eth1", parseIp("10.0.0.5").value(), 24}};
    EXPECT_EQ(
        load(Scope::ThisNode, kUserConfigXml).errors,
        std::vector<std::string>{"<interface> has no name and no interface here holds the subnet of 192.168.1.99"});
    auto named = replaced(kUserConfigXml, "<interface>", "<interface name=\"eth9\">");
    auto missing = load(Scope::ThisNode, named);
    EXPECT_EQ(missing.refusedAt, LoadedModule::Step::Config);
    ASSERT_EQ(missing.errors.size(), 1u);
    EXPECT_NE(missing.errors[0].find("interface 'eth9' does not exist on this node"), std::string::npos);
    for (const auto& text : {kUserConfigXml, named}) EXPECT_TRUE(load(Scope::AnyNode, text).ok());
}

TEST_F(ModuleLoadTest, AnyNodeTakesAnIpv6VipToo) {
    auto text = replaced(kUserConfigXml, "192.168.1.99", "2001:db8::99");
    auto r = load(Scope::AnyNode, text);
    EXPECT_TRUE(r.ok()) << r.refusal("farm");
}

TEST_F(ModuleLoadTest, ReadClusterAlone) {
    EXPECT_TRUE(readCluster((folder_.root() / "cluster.xml").string()));
    auto missing = readCluster((folder_.root() / "nosuch.xml").string());
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message().rfind("cluster configuration refused:\n  ", 0), 0u);
}

}  // namespace
}  // namespace safefarm::safed
