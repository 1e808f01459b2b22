#include "config/ModuleConfig.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pugixml.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "RepoPath.h"
#include "UserConfigText.h"
#include "config/Vocabulary.h"

using namespace safefarm;
using namespace safefarm::config;
using namespace std::chrono_literals;

namespace {

using test::kRepo;
using test::replaced;

// Line numbers below refer to this text.
const std::string& kMinimal = test::kMinimalUserConfig;

class ModuleConfigTest : public ::testing::Test {
protected:
    void SetUp() override {
        cluster_ = parseClusterFile((kRepo / "docs/samples/cluster.xml").string());
        ASSERT_TRUE(cluster_.config) << formatAll(cluster_.errors);
        context_.cluster = cluster_.config.get();
        context_.env = [](const std::string& name) -> std::optional<std::string> {
            if (name == "HOME") return std::string("/root");
            if (name == "FROM_ENV") return std::string("8081");
            return std::nullopt;
        };
        context_.interfaceFamilies = [](const std::string& name) -> std::optional<std::vector<int>> {
            if (name == "eth0") return std::vector<int>{AF_INET, AF_INET6};
            if (name == "v4only") return std::vector<int>{AF_INET};
            return std::nullopt;
        };
    }

    ModuleParse parse(const std::string& text) { return parseUserConfigText(text, "u.xml", context_); }

    ModuleParse parseSample(const char* name) {
        return parseUserConfigFile((kRepo / "docs/samples" / name).string(), context_);
    }

    // The errors of `text`, which must not parse.
    std::string errorsOf(const std::string& text) {
        auto p = parse(text);
        EXPECT_FALSE(p.config);
        return formatAll(p.errors);
    }

    ClusterParse cluster_;
    ParseContext context_;
};

#define EXPECT_ERROR(text, fragment)                                                                                 \
    do {                                                                                                             \
        std::string errors_ = errorsOf(text);                                                                        \
        EXPECT_NE(errors_.find(fragment), std::string::npos) << "expected: " << (fragment) << "\ngot:\n" << errors_; \
    } while (0)

}  // namespace

// Every attribute left out takes the default of the Vocabulary table.
TEST_F(ModuleConfigTest, MinimalTakesEveryDefault) {
    auto p = parse(kMinimal);
    ASSERT_TRUE(p.config) << formatAll(p.errors);
    const auto& c = *p.config;
    EXPECT_EQ(c.service.mode, "farm");
    EXPECT_FALSE(c.service.boot);
    EXPECT_EQ(c.service.maxloop, 3u);
    EXPECT_EQ(c.service.loopInterval, Duration(24h));
    EXPECT_EQ(c.farm.port, 4803);
    EXPECT_EQ(c.farm.pulse, Duration(50ms));
    EXPECT_EQ(c.farm.slostCount, 4u);
    EXPECT_LT(c.farm.pulse * c.farm.slostCount, Duration(1s)) << "DESIGN §4: failover well under a second";
    EXPECT_EQ(c.farm.mlostCount, 5u);
    EXPECT_EQ(c.farm.keyfile, "/etc/safefarm/cluster.key");
    EXPECT_EQ(c.farm.quorum, Quorum::Majority);  // issue 13: two answers are worse than a short wait
    EXPECT_EQ(c.farm.lans, std::vector<std::string>{"default"});
    EXPECT_FALSE(c.vip.tcpreset);
    EXPECT_FALSE(c.vip.scriptcontrol);
    ASSERT_EQ(c.vip.interfaces.size(), 1u);
    const auto& i = c.vip.interfaces[0];
    EXPECT_EQ(i.name, "");
    EXPECT_TRUE(i.check);
    EXPECT_FALSE(i.arpreroute);
    EXPECT_EQ(i.arpinterval, Duration(60s));
    EXPECT_EQ(i.arpelapse, Duration(600s));
    EXPECT_EQ(i.xdpMode, XdpMode::Auto);
    ASSERT_EQ(i.virtualInterfaces.size(), 1u);
    EXPECT_EQ(i.virtualInterfaces[0].type, VmacType::Invisible);
    EXPECT_FALSE(i.virtualInterfaces[0].vmac);
    ASSERT_EQ(i.virtualInterfaces[0].addrs.size(), 1u);
    EXPECT_EQ(formatIp(i.virtualInterfaces[0].addrs[0].addr), "192.168.1.99");
    EXPECT_EQ(i.virtualInterfaces[0].addrs[0].where, "alias");
    EXPECT_TRUE(i.virtualInterfaces[0].addrs[0].check);
    ASSERT_EQ(c.vip.groups.size(), 1u);
    EXPECT_EQ(c.vip.groups[0].name, "web");
    EXPECT_TRUE(c.vip.groups[0].hosts.empty());
    ASSERT_EQ(c.vip.groups[0].rules.size(), 1u);
    const auto& r = c.vip.groups[0].rules[0];
    EXPECT_EQ(r.virtualAddr, "*");
    EXPECT_EQ(r.portLow, 80);
    EXPECT_EQ(r.portHigh, 80);
    EXPECT_EQ(r.proto, Proto::Tcp);
    EXPECT_EQ(r.filter, HashFilter::OnAddr);
    EXPECT_TRUE(c.checks.empty());
    EXPECT_EQ(c.errd.polltimer, Duration(10s));
    EXPECT_TRUE(c.errd.procs.empty());
    EXPECT_EQ(c.user.nicestoptimeout, Duration(300s));
    EXPECT_EQ(c.user.forcestoptimeout, Duration(300s));
    EXPECT_EQ(c.user.logging, "userlog");
    EXPECT_EQ(c.user.userlogsize, 1000u);
    EXPECT_TRUE(c.user.vars.empty());
}

// full.xml sets every element and attribute to something other than its default.
TEST_F(ModuleConfigTest, FullSampleReadsEveryElementAndAttribute) {
    auto p = parseSample("full.xml");
    ASSERT_TRUE(p.config) << formatAll(p.errors);
    const auto& c = *p.config;
    EXPECT_EQ(c.macros.at("VIP"), "192.168.1.99");
    EXPECT_EQ(c.macros.at("WEB_PORT"), "8080");
    EXPECT_TRUE(c.service.boot);
    EXPECT_EQ(c.service.maxloop, 5u);
    EXPECT_EQ(c.service.loopInterval, Duration(12h));
    EXPECT_EQ(c.farm.port, 5000);
    EXPECT_EQ(c.farm.pulse, Duration(50ms));
    EXPECT_EQ(c.farm.slostCount, 4u);
    EXPECT_EQ(c.farm.mlostCount, 6u);
    EXPECT_EQ(c.farm.keyfile, "/etc/safefarm/web.key");
    EXPECT_EQ(c.farm.quorum, Quorum::Majority);
    EXPECT_EQ(c.farm.lans, (std::vector<std::string>{"default", "admin"}));
    EXPECT_TRUE(c.vip.tcpreset);
    EXPECT_TRUE(c.vip.scriptcontrol);
    const auto& i = c.vip.interfaces.at(0);
    EXPECT_EQ(i.name, "eth0");
    EXPECT_FALSE(i.check);
    EXPECT_TRUE(i.arpreroute);
    EXPECT_EQ(i.arpinterval, Duration(30s));
    EXPECT_EQ(i.arpelapse, Duration(5min));
    EXPECT_EQ(i.xdpMode, XdpMode::Skb);
    const auto& vi = i.virtualInterfaces.at(0);
    EXPECT_EQ(vi.type, VmacType::Invisible);
    ASSERT_TRUE(vi.vmac);
    EXPECT_EQ(formatMac(*vi.vmac), "5a:fe:00:00:00:01");
    EXPECT_EQ(vi.addrs.at(0).text, "192.168.1.99");
    EXPECT_EQ(vi.addrs.at(0).where, "alias");
    EXPECT_FALSE(vi.addrs.at(0).check);
    const auto& g = c.vip.groups.at(0);
    ASSERT_EQ(g.hosts.size(), 3u);
    EXPECT_EQ(g.hosts[0].name, "node1");
    EXPECT_EQ(g.hosts[0].power, 2u);
    EXPECT_EQ(g.hosts[2].power, 0u);
    ASSERT_EQ(g.rules.size(), 2u);
    EXPECT_EQ(g.rules[0].virtualAddr, "192.168.1.99");
    EXPECT_EQ(g.rules[0].portLow, 8080);
    EXPECT_EQ(g.rules[0].filter, HashFilter::OnPort);
    EXPECT_EQ(g.rules[1].proto, Proto::Udp);
    EXPECT_EQ(g.rules[1].portLow, 5000);
    EXPECT_EQ(g.rules[1].portHigh, 5100);
    EXPECT_EQ(g.rules[1].filter, HashFilter::OnIpid);
    ASSERT_EQ(c.checks.size(), 6u);
    const auto& tcp = c.checks[0];
    EXPECT_EQ(tcp.kind, CheckKind::Tcp);
    EXPECT_EQ(tcp.ident, "web");
    EXPECT_EQ(tcp.when, "prim");
    EXPECT_EQ(tcp.action, "wait");
    EXPECT_EQ(formatIp(*tcp.addr), "127.0.0.1");
    EXPECT_EQ(tcp.port, 8080);
    EXPECT_EQ(tcp.interval, Duration(3s));
    EXPECT_EQ(tcp.timeout, Duration(2s));
    const auto& http = c.checks[1];
    EXPECT_EQ(http.kind, CheckKind::Http);
    EXPECT_EQ(http.when, "second");
    EXPECT_EQ(http.action, "stop");
    EXPECT_EQ(http.url, "http://127.0.0.1:8080/health");
    EXPECT_EQ(http.expect, "OK");
    EXPECT_EQ(http.interval, Duration(7s));
    EXPECT_EQ(http.timeout, Duration(4s));
    const auto& ping = c.checks[2];
    EXPECT_EQ(ping.kind, CheckKind::Ping);
    EXPECT_EQ(ping.when, "pre");
    EXPECT_EQ(ping.action, "restart");
    EXPECT_EQ(formatIp(*ping.addr), "192.168.1.1");
    EXPECT_EQ(ping.interval, Duration(2s));
    EXPECT_EQ(ping.timeout, Duration(1s));
    EXPECT_EQ(c.checks[3].kind, CheckKind::Intf);
    EXPECT_EQ(c.checks[3].intf, "eth0");
    EXPECT_EQ(c.checks[3].action, "restart");
    EXPECT_EQ(c.checks[4].kind, CheckKind::Ip);
    EXPECT_EQ(formatIp(*c.checks[4].addr), "192.168.1.99");
    EXPECT_EQ(c.checks[4].when, "prim");
    const auto& custom = c.checks[5];
    EXPECT_EQ(custom.kind, CheckKind::Custom);
    EXPECT_EQ(custom.exec, "mycheck");
    EXPECT_EQ(custom.arg, "-v --strict");
    EXPECT_EQ(custom.action, "restart");
    EXPECT_EQ(c.errd.polltimer, Duration(20s));
    const auto& proc = c.errd.procs.at(0);
    EXPECT_EQ(proc.name, "httpd");
    EXPECT_EQ(proc.atleast, 2u);
    EXPECT_EQ(proc.atmax, 10u);
    EXPECT_EQ(proc.action, "stop");
    EXPECT_EQ(proc.procClass, "prim");
    EXPECT_EQ(c.user.nicestoptimeout, Duration(60s));
    EXPECT_EQ(c.user.forcestoptimeout, Duration(30s));
    EXPECT_EQ(c.user.logging, "none");
    EXPECT_EQ(c.user.userlogsize, 2048u);
    EXPECT_EQ(c.user.vars, (std::vector<std::pair<std::string, std::string>>{{"SERVICES", "httpd"}}));
}

// The full sample names every element and attribute of the vocabulary, so
// the test above covers them all.
TEST_F(ModuleConfigTest, FullSampleUsesTheWholeVocabulary) {
    std::ifstream in(kRepo / "docs/samples/full.xml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(text.c_str()));
    for (const auto& a : attrSpecs()) {
        if (!a.element.starts_with("safe")) continue;
        std::string xpath = "/" + std::string(a.element) + "[@" + std::string(a.name) + "]";
        EXPECT_TRUE(doc.select_node(xpath.c_str())) << "full.xml lacks " << a.element << " @" << a.name;
    }
    for (const auto& e : elementSpecs()) {
        if (!e.path.starts_with("safe")) continue;
        EXPECT_TRUE(doc.select_node(("/" + std::string(e.path)).c_str())) << "full.xml lacks " << e.path;
    }
}

// tcpreset and scriptcontrol were parsed and silently not done. A SafeKit
// module that sets them still loads, and is told they are ignored.
TEST_F(ModuleConfigTest, IgnoredAttributesAreTakenAndWarnedAbout) {
    auto p = parse(replaced(kMinimal, "<vip>", R"(<vip tcpreset="on"
    scriptcontrol="on">)"));
    ASSERT_TRUE(p.config) << formatAll(p.errors);
    ASSERT_EQ(p.warnings.size(), 2u) << formatAll(p.warnings);
    EXPECT_EQ(p.warnings[0].format(),
              "u.xml:6: safe/service/vip: warning: attribute 'tcpreset': parsed, ignored by "
              "safefarm: a stopping node serves its open connections to their end while its "
              "buckets move (the drain) instead of resetting them");
    EXPECT_EQ(p.warnings[1].line, 7);
    EXPECT_NE(p.warnings[1].message.find("attribute 'scriptcontrol': parsed, ignored by safefarm: "),
              std::string::npos);
    // Off, as written or by default, asks for nothing: no warning.
    EXPECT_TRUE(parse(replaced(kMinimal, "<vip>", R"(<vip tcpreset="off">)")).warnings.empty());
    EXPECT_TRUE(parse(kMinimal).warnings.empty());
    // Warnings come with errors too, and never count as one.
    auto bad = parse(replaced(kMinimal, "<vip>", R"(<vip tcpreset="on" scriptcontrol="yes">)"));
    EXPECT_FALSE(bad.config);
    EXPECT_EQ(bad.warnings.size(), 1u);
}

TEST_F(ModuleConfigTest, BareNumbersTakeSafeKitsUnits) {
    auto text = replaced(kMinimal, "<service mode=\"farm\">", "<service mode=\"farm\" loop_interval=\"2\">");
    text = replaced(text, "<farm>", "<farm pulse=\"700\">");
    text = replaced(text, "<interface>", "<interface arpinterval=\"5\">");
    auto p = parse(text);
    ASSERT_TRUE(p.config) << formatAll(p.errors);
    EXPECT_EQ(p.config->service.loopInterval, Duration(2h));
    EXPECT_EQ(p.config->farm.pulse, Duration(700ms));
    EXPECT_EQ(p.config->vip.interfaces[0].arpinterval, Duration(5s));
}

TEST_F(ModuleConfigTest, MacrosExpandFromMacroThenEnvironment) {
    auto p = parseSample("macros.xml");
    ASSERT_TRUE(p.config) << formatAll(p.errors);
    EXPECT_EQ(p.config->vip.groups[0].rules[0].virtualAddr, "192.168.1.99");
    EXPECT_EQ(p.config->vip.groups[0].rules[0].portLow, 80);
    EXPECT_EQ(p.config->user.vars[0].second, "/root");
    EXPECT_EQ(p.config->user.vars[1].second, "100%");
    // <macro> wins over the environment; the environment fills the rest.
    auto text = replaced(kMinimal, "<safe>", "<safe><macro name=\"HOME\" value=\"mine\"/>");
    text = replaced(text, "<rule port=\"80\"/>", "<rule port=\"%FROM_ENV%\"/>");
    text = replaced(text, "</vip>", "</vip><user><var name=\"H\" value=\"%HOME%\"/></user>");
    p = parse(text);
    ASSERT_TRUE(p.config) << formatAll(p.errors);
    EXPECT_EQ(p.config->vip.groups[0].rules[0].portLow, 8081);
    EXPECT_EQ(p.config->user.vars[0].second, "mine");
    // A lone % (an escaped URL) stays as written.
    text = replaced(kMinimal, "</vip>",
                    "</vip><check><http ident=\"h\"><to url=\"http://127.0.0.1/a%20b\"/></http></check>");
    p = parse(text);
    ASSERT_TRUE(p.config) << formatAll(p.errors);
    EXPECT_EQ(p.config->checks[0].url, "http://127.0.0.1/a%20b");
}

TEST_F(ModuleConfigTest, EverySampleLoads) {
    int n = 0;
    for (const auto& entry : std::filesystem::directory_iterator(kRepo / "docs/samples")) {
        if (entry.path().extension() != ".xml" || entry.path().filename() == "cluster.xml") continue;
        auto p = parseUserConfigFile(entry.path().string(), context_);
        EXPECT_TRUE(p.config) << entry.path() << "\n" << formatAll(p.errors);
        n++;
    }
    EXPECT_GE(n, 10);
    for (const char* module : {"farm", "apache_farm"}) {
        ParseContext context = context_;
        context.moduleDir = (kRepo / "modules" / module).string();
        auto p = parseUserConfigFile((kRepo / "modules" / module / "conf/userconfig.xml").string(), context);
        EXPECT_TRUE(p.config) << module << "\n" << formatAll(p.errors);
    }
}

TEST_F(ModuleConfigTest, SafeKitFileLoadsUnchanged) {
    auto p = parseSample("safekit_farm.xml");
    ASSERT_TRUE(p.config) << formatAll(p.errors);
    EXPECT_EQ(p.config->service.loopInterval, Duration(24h));
    EXPECT_EQ(p.config->checks.at(0).interval, Duration(10s));
    EXPECT_EQ(p.config->checks.at(0).timeout, Duration(5s));
    EXPECT_EQ(p.config->errd.polltimer, Duration(10s));
    EXPECT_EQ(p.config->errd.procs.at(0).procClass, "prim");
    EXPECT_EQ(p.config->user.nicestoptimeout, Duration(300s));
    EXPECT_EQ(p.config->vip.groups.at(0).name, "FarmProto");
}

TEST_F(ModuleConfigTest, FeatureSamples) {
    auto directed = parseSample("vmac_directed.xml");
    ASSERT_TRUE(directed.config) << formatAll(directed.errors);
    EXPECT_EQ(directed.config->vip.interfaces[0].virtualInterfaces[0].type, VmacType::Directed);
    EXPECT_EQ(directed.config->vip.groups[0].rules[0].proto, Proto::Arp);
    auto v6 = parseSample("ipv6.xml");
    ASSERT_TRUE(v6.config) << formatAll(v6.errors);
    EXPECT_EQ(v6.config->vip.interfaces[0].virtualInterfaces[0].addrs[1].addr.family, AF_INET6);
    auto ports = parseSample("ports.xml");
    ASSERT_TRUE(ports.config) << formatAll(ports.errors);
    EXPECT_EQ(ports.config->vip.groups[1].rules[0].portLow, 1);
    EXPECT_EQ(ports.config->vip.groups[1].rules[0].portHigh, 65535);
    auto hb = parseSample("heartbeats.xml");
    ASSERT_TRUE(hb.config) << formatAll(hb.errors);
    EXPECT_EQ(hb.config->farm.lans.size(), 2u);
    auto checkers = parseSample("checkers.xml");
    ASSERT_TRUE(checkers.config) << formatAll(checkers.errors);
    EXPECT_EQ(checkers.config->checks.size(), 5u);
    EXPECT_EQ(checkers.config->checks[2].action, "wait");  // ping default
}

struct ErrorCase {
    const char* from;
    const char* to;
    const char* expected;
};

// At least one test for every error message (the XML-level ones for both
// files are in ClusterConfigTest too).
TEST_F(ModuleConfigTest, EveryErrorMessage) {
    const ErrorCase cases[] = {
        // file:line, element path, did-you-mean
        {"<farm>", "<farm plse=\"100ms\">",
         "u.xml:3: safe/service/farm: unknown attribute 'plse', did you mean 'pulse'?"},
        {"<lan name=\"default\"/>", "<lan name=\"default\"/><lna name=\"x\"/>",
         "u.xml:4: safe/service/farm/lna: unknown element <lna> in <farm>, did you mean <lan>?"},
        {"<lan name=\"default\"/>", "<lan name=\"default\"><x/></lan>", "unknown element <x>: <lan> holds no elements"},
        {"<interface_list>", "<interface_list foo=\"1\">",
         "unknown attribute 'foo': <interface_list> takes no attributes"},
        {"<virtual_addr addr=\"192.168.1.99\"/>", "<virtual_addr addr=\"192.168.1.99\" wher=\"alias\"/>",
         "u.xml:10: safe/service/vip/interface_list/interface[1]/virtual_interface[1]/virtual_addr[1]: unknown "
         "attribute 'wher', did you mean 'where'?"},
        // values against their kind
        {"mode=\"farm\"", "mode=\"mirror\"", "u.xml:2: safe/service: attribute 'mode': expected farm, got 'mirror'"},
        {"<service mode=\"farm\">", "<service mode=\"farm\" maxloop=\"many\">",
         "attribute 'maxloop': expected a non-negative integer, got 'many'"},
        {"<service mode=\"farm\">", "<service mode=\"farm\" loop_interval=\"1.5h\">",
         "attribute 'loop_interval': expected a time: an integer with a unit us|ms|s|m|h|d (a bare number is in h), "
         "got '1.5h'"},
        {"<vip>", "<vip tcpreset=\"yes\">", "attribute 'tcpreset': expected on|off, got 'yes'"},
        {"<lan name=\"default\"/>", "<lan name=\"de fault\"/>",
         "attribute 'name': expected a name (letters, digits, _ - .), got 'de fault'"},
        {"192.168.1.99\"/>", "192.168.1.999\"/>",
         "attribute 'addr': expected an IPv4 or IPv6 address, got '192.168.1.999'"},
        {"<virtual_interface>", "<virtual_interface addr=\"5a:fe:zz:00:00:01\">",
         "attribute 'addr': expected a MAC address aa:bb:cc:dd:ee:ff, got '5a:fe:zz:00:00:01'"},
        {"<farm>", "<farm port=\"70000\">", "attribute 'port': expected a port 1..65535, got '70000'"},
        {"<rule port=\"80\"/>", "<rule port=\"90-80\"/>",
         "attribute 'port': expected a port N, a range N-M (N <= M, 1..65535) or *, got '90-80'"},
        {"<farm>", "<farm keyfile=\"\">", "attribute 'keyfile': expected a file name, got ''"},
        {"<farm>", "<farm quorum=\"most\">", "attribute 'quorum': expected none|majority, got 'most'"},
        // structure
        {"<service mode=\"farm\">", "<service>", "u.xml:2: safe/service: missing required attribute 'mode'"},
        {"</service>", "</service><service mode=\"farm\"/>", "<service> may appear only once in <safe>"},
        {"<farm>", "<farm>hello", "unexpected text 'hello': <farm> holds only elements"},
        {"<safe>", "<safe><macro name=\"A\" value=\"1\"/><macro name=\"A\" value=\"2\"/>",
         "macro 'A' is defined twice"},
        {"<rule port=\"80\"/>", "<rule port=\"%NOPE%\"/>",
         "u.xml:16: safe/service/vip/loadbalancing_list/group[1]/rule[1]: undefined macro %NOPE%: expected a <macro "
         "name=\"NOPE\"> or an environment variable NOPE"},
        // cross-field checks
        {"<farm>", "<farm pulse=\"0ms\">", "attribute 'pulse': expected a time greater than 0"},
        {"<farm>", "<farm slost_count=\"0\">", "attribute 'slost_count': expected at least 1, got 0"},
        {"<lan name=\"default\"/>", "<lan name=\"default\"/><lan name=\"default\"/>", "lan 'default' is listed twice"},
        {
            "<lan name=\"default\"/>",
            "<lan name=\"defualt\"/>",
            "lan 'defualt' is not declared in",
        },
        {"<lan name=\"default\"/>", "<lan name=\"defualt\"/>", ", did you mean 'default'?"},
        {"<interface>", "<interface name=\"nosuch0\">", "interface 'nosuch0' does not exist on this node"},
        {"</interface>\n",
         "</interface><interface name=\"eth0\"><virtual_interface><virtual_addr "
         "addr=\"10.9.9.9\"/></virtual_interface></interface><interface name=\"eth0\"><virtual_interface><virtual_addr "
         "addr=\"10.9.9.8\"/></virtual_interface></interface>\n",
         "interface 'eth0' is listed twice"},
        {"<virtual_interface>", "<virtual_interface type=\"vmac_directed\" addr=\"5a:fe:00:00:00:01\">",
         "a virtual MAC is not used with type=\"vmac_directed\""},
        {"<virtual_interface>", "<virtual_interface addr=\"01:00:5e:00:00:01\">",
         "attribute 'addr': expected a unicast MAC (first byte even), got 01:00:5e:00:00:01"},
        {"<virtual_addr addr=\"192.168.1.99\"/>",
         "<virtual_addr addr=\"192.168.1.99\"/><virtual_addr addr=\"192.168.1.99\"/>",
         "virtual address 192.168.1.99 is declared twice"},
        {"</loadbalancing_list>", "<group name=\"web\"><rule port=\"81\"/></group></loadbalancing_list>",
         "group 'web' is declared twice"},
        {"<group name=\"web\">", "<group name=\"web\"><cluster><host name=\"node1\"/><host name=\"node1\"/></cluster>",
         "host 'node1' is listed twice"},
        {"<group name=\"web\">", "<group name=\"web\"><cluster><host name=\"nod1\"/></cluster>",
         "host 'nod1' is not a node of the farm's lans, did you mean 'node1'?"},
        {"<group name=\"web\">",
         "<group name=\"web\"><cluster><host name=\"node1\" power=\"0\"/><host name=\"node2\" power=\"0\"/></cluster>",
         "every host has power 0: no node would receive traffic"},
        {"<rule port=\"80\"/>", "<rule virtual_addr=\"vip\" port=\"80\"/>",
         "attribute 'virtual_addr': expected * or a virtual address of this module, got 'vip'"},
        {"<rule port=\"80\"/>", "<rule virtual_addr=\"10.1.1.1\" port=\"80\"/>",
         "attribute 'virtual_addr': 10.1.1.1 is not a <virtual_addr> of this module"},
        {"<rule port=\"80\"/>", "<rule proto=\"arp\" port=\"80\"/>",
         "attribute 'port': not allowed with proto=\"arp\""},
        {"<rule port=\"80\"/>", "<rule proto=\"arp\" filter=\"on_port\"/>",
         "proto=\"arp\" needs filter=\"on_addr\", got filter=\"on_port\""},
        {"<rule port=\"80\"/>", "<rule proto=\"arp\"/>",
         "proto=\"arp\" needs a virtual_interface of type=\"vmac_directed\""},
        {"<rule port=\"80\"/>", "<rule proto=\"udp\"/>",
         "missing attribute 'port': expected N, N-M or * with proto=\"udp\""},
        {"<rule port=\"80\"/>", "<rule port=\"80\" filter=\"on_ipid\"/>", "filter=\"on_ipid\" needs proto=\"udp\""},
        {"</vip>", "</vip><check><http ident=\"h\"><to url=\"ftp://x/\"/></http></check>",
         "attribute 'url': expected http://host[:port]/path, got 'ftp://x/'"},
        {"</vip>",
         "</vip><check><tcp ident=\"a\"><to addr=\"127.0.0.1\" port=\"80\"/></tcp><ping ident=\"a\"><to "
         "addr=\"10.0.0.1\"/></ping></check>",
         "checker ident 'a' is used twice"},
        {"</vip>", "</vip><check><tcp ident=\"a\"><to addr=\"127.0.0.1\" port=\"80\" timeout=\"0s\"/></tcp></check>",
         "attribute 'timeout': expected a time greater than 0"},
        {"</vip>", "</vip><check><tcp ident=\"a\"></tcp></check>", "missing required element <to>"},
        {"</vip>", "</vip><errd><proc name=\"x\" atleast=\"3\" atmax=\"2\"/></errd>",
         "attribute 'atmax': expected none or at least atleast (3), got 2"},
        {"</vip>", "</vip><errd><proc name=\"x\" atmax=\"lots\"/></errd>",
         "attribute 'atmax': expected none or a non-negative integer, got 'lots'"},
        {"</vip>", "</vip><errd polltimer=\"0\"/>", "attribute 'polltimer': expected a time greater than 0"},
        {"</vip>", "</vip><user nicestoptimeout=\"0s\"/>",
         "attribute 'nicestoptimeout': expected a time greater than 0"},
        {"</vip>", "</vip><user><var name=\"A\" value=\"1\"/><var name=\"A\" value=\"2\"/></user>",
         "variable 'A' is set twice"},
        {"<safe>", "<safo>", "not well-formed XML"},
        {"<safe>\n", "<?xml version=\"1.0\"?>\n<!-- x -->\n<other>", "not well-formed XML"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.to);
        EXPECT_ERROR(replaced(kMinimal, c.from, c.to), c.expected);
    }
    // Family mismatch: an IPv6 VIP on an interface that has only IPv4.
    EXPECT_ERROR(replaced(replaced(kMinimal, "<interface>", "<interface name=\"v4only\">"), "192.168.1.99", "fd00::99"),
                 "virtual address fd00::99 is IPv6 but interface 'v4only' has no IPv6 address");
    EXPECT_ERROR("<safe><macro name=\"A\" value=\"1\"/></safe>", "u.xml:1: safe: missing required element <service>");
    EXPECT_ERROR("<other/>", "u.xml:1: other: expected <safe> as the root element, got <other>");
    EXPECT_ERROR("<!-- nothing -->", "not well-formed XML: No document element found");
}

TEST_F(ModuleConfigTest, AttributeErrorsPointAtTheAttributesLine) {
    auto text = replaced(kMinimal, "<farm>", "<farm\n      port=\"4803\"\n      pulse=\"soon\"\n      plse=\"1\">");
    std::string errors = errorsOf(text);
    EXPECT_NE(errors.find("u.xml:5: safe/service/farm: attribute 'pulse'"), std::string::npos) << errors;
    EXPECT_NE(errors.find("u.xml:6: safe/service/farm: unknown attribute 'plse'"), std::string::npos) << errors;
}

TEST_F(ModuleConfigTest, EveryErrorIsReportedNotJustTheFirst) {
    auto text = replaced(kMinimal, "<farm>", "<farm plse=\"1\" slost_count=\"x\">");
    text = replaced(text, "<rule port=\"80\"/>", "<rule port=\"0\"/>");
    auto p = parse(text);
    EXPECT_FALSE(p.config);
    EXPECT_EQ(p.errors.size(), 3u) << formatAll(p.errors);
}

TEST_F(ModuleConfigTest, ScriptsMustBePresentAndExecutable) {
    auto dir = std::filesystem::temp_directory_path() / ("safefarm-config-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir / "bin");
    context_.moduleDir = dir.string();
    auto custom = replaced(kMinimal, "</vip>", "</vip><check><custom ident=\"c\" exec=\"mycheck\"/></check>");
    std::string errors = errorsOf(custom);
    EXPECT_NE(errors.find("script " + (dir / "bin/start_both").string() + " does not exist"), std::string::npos)
        << errors;
    EXPECT_NE(errors.find("attribute 'exec': " + (dir / "bin/mycheck").string() + " does not exist"), std::string::npos)
        << errors;
    for (const char* f : {"bin/start_both", "bin/stop_both", "bin/mycheck"}) std::ofstream(dir / f) << "#!/bin/sh\n";
    errors = errorsOf(custom);
    EXPECT_NE(errors.find("script " + (dir / "bin/stop_both").string() + " is not executable (chmod +x)"),
              std::string::npos)
        << errors;
    EXPECT_NE(errors.find("attribute 'exec': " + (dir / "bin/mycheck").string() + " is not executable"),
              std::string::npos)
        << errors;
    for (const char* f : {"bin/start_both", "bin/stop_both", "bin/mycheck"}) ::chmod((dir / f).c_str(), 0755);
    auto p = parse(custom);
    EXPECT_TRUE(p.config) << formatAll(p.errors);
    std::filesystem::remove_all(dir);
}

TEST_F(ModuleConfigTest, UnreadableFile) {
    auto p = parseUserConfigFile("/nonexistent/userconfig.xml", context_);
    ASSERT_EQ(p.errors.size(), 1u);
    EXPECT_EQ(p.errors[0].format(), "/nonexistent/userconfig.xml: cannot read the file");
}

TEST_F(ModuleConfigTest, WithoutClusterLanNamesAreNotChecked) {
    context_.cluster = nullptr;
    auto p = parse(replaced(kMinimal, "<lan name=\"default\"/>", "<lan name=\"elsewhere\"/>"));
    EXPECT_TRUE(p.config) << formatAll(p.errors);
}

TEST(SystemInterfaceFamiliesTest, LoopbackExistsAndUnknownDoesNot) {
    auto lo = systemInterfaceFamilies("lo");
    ASSERT_TRUE(lo);
    EXPECT_NE(std::find(lo->begin(), lo->end(), AF_INET), lo->end());
    EXPECT_FALSE(systemInterfaceFamilies("nosuch-if0"));
}
