#include "config/ClusterConfig.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "RepoPath.h"

using namespace safefarm;
using namespace safefarm::config;
using test::kRepo;

TEST(ClusterConfigTest, SampleHasEveryElementAndAttribute) {
    auto parsed = parseClusterFile((kRepo / "docs/samples/cluster.xml").string());
    ASSERT_TRUE(parsed.config) << formatAll(parsed.errors);
    const auto& c = *parsed.config;
    ASSERT_EQ(c.lans.size(), 2u);
    EXPECT_EQ(c.lans[0].name, "default");
    ASSERT_EQ(c.lans[0].nodes.size(), 3u);
    EXPECT_EQ(c.lans[0].nodes[1].name, "node2");
    EXPECT_EQ(formatIp(c.lans[0].nodes[1].addr), "192.168.1.12");
    EXPECT_EQ(c.lans[1].name, "admin");
    EXPECT_EQ(c.findLan("admin"), &c.lans[1]);
    EXPECT_EQ(c.findLan("nope"), nullptr);
}

TEST(ClusterConfigTest, Ipv6Nodes) {
    auto parsed = parseClusterText(R"(<cluster><lans><lan name="v6">
        <node name="a" addr="fd00::1"/><node name="b" addr="fd00::2"/></lan></lans></cluster>)",
                                   "c.xml");
    ASSERT_TRUE(parsed.config) << formatAll(parsed.errors);
    EXPECT_EQ(parsed.config->lans[0].nodes[0].addr.family, AF_INET6);
}

struct ClusterErrorCase {
    const char* text;
    const char* expected;  // "line: path: message" fragment
};

TEST(ClusterConfigTest, EveryErrorNamesFileLinePathAndWhatWasExpected) {
    const ClusterErrorCase cases[] = {
        {"<cluster><lans>\n<lan name=\"a\">\n<node name=\"n1\" addr=\"10.0.0.1\"/>\n<node name=\"n1\" "
         "addr=\"10.0.0.2\"/>\n</lan></lans></cluster>",
         "c.xml:4: cluster/lans/lan[1]/node[2]: duplicate node name 'n1' in lan 'a'"},
        {"<cluster><lans>\n<lan name=\"a\"><node name=\"n1\" addr=\"10.0.0.1\"/></lan>\n<lan name=\"b\"><node "
         "name=\"n2\" addr=\"10.0.0.1\"/></lan></lans></cluster>",
         "c.xml:3: cluster/lans/lan[2]/node[1]: address 10.0.0.1 is already node 'n1' in this cluster"},
        {"<cluster><lans>\n<lan name=\"a\"><node name=\"n1\" addr=\"10.0.0.1\"/></lan>\n<lan name=\"a\"><node "
         "name=\"n2\" addr=\"10.0.0.2\"/></lan></lans></cluster>",
         "c.xml:3: cluster/lans/lan[2]: duplicate lan name 'a' (first at cluster/lans/lan[1])"},
        {"<cluster><lans><lan name=\"a\"><node nme=\"n1\" addr=\"10.0.0.1\"/></lan></lans></cluster>",
         "unknown attribute 'nme', did you mean 'name'?"},
        {"<cluster><lans><lan name=\"a\"><nod name=\"n1\" addr=\"10.0.0.1\"/></lan></lans></cluster>",
         "unknown element <nod> in <lan>, did you mean <node>?"},
        {"<cluster><lans><lan name=\"a\"><node name=\"n1\" addr=\"10.0.0.300\"/></lan></lans></cluster>",
         "attribute 'addr': expected an IPv4 or IPv6 address, got '10.0.0.300'"},
        {"<cluster><lans><lan name=\"a\"><node name=\"n1\"/></lan></lans></cluster>",
         "missing required attribute 'addr'"},
        {"<cluster><lans/></cluster>", "c.xml:1: cluster/lans: missing required element <lan>"},
        {"<cluster><lans><lan name=\"a\"><node name=\"n1\" addr=\"10.0.0.1\"/></lan></lans>\n<lans/></cluster>",
         "c.xml:2: cluster/lans: <lans> may appear only once in <cluster>"},
        {"<safe/>", "expected <cluster> as the root element, got <safe>"},
        {"<cluster><lans>\n<lan name=\"a\">\n</cluster>", "c.xml:3: not well-formed XML"},
    };
    for (const auto& c : cases) {
        auto parsed = parseClusterText(c.text, "c.xml");
        EXPECT_FALSE(parsed.config) << c.text;
        EXPECT_NE(formatAll(parsed.errors).find(c.expected), std::string::npos)
            << "expected: " << c.expected << "\ngot:\n"
            << formatAll(parsed.errors);
    }
}

TEST(ClusterConfigTest, UnreadableFile) {
    auto parsed = parseClusterFile("/nonexistent/cluster.xml");
    ASSERT_EQ(parsed.errors.size(), 1u);
    EXPECT_EQ(parsed.errors[0].format(), "/nonexistent/cluster.xml: cannot read the file");
}
