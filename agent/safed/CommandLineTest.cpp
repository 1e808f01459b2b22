#include "safed/CommandLine.h"

#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <functional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using safefarm::http::HttpOptions;
using safefarm::safed::Options;
using safefarm::safed::parseCommandLine;
using safefarm::safed::ParsedCommandLine;

namespace {

ParsedCommandLine parse(const std::vector<std::string>& args) {
    std::vector<const char*> argv{"safed"};
    for (const auto& a : args) argv.push_back(a.c_str());
    return parseCommandLine(static_cast<int>(argv.size()), argv.data());
}

std::string show(const std::string& v) { return '"' + v + '"'; }
std::string show(std::chrono::seconds v) { return std::to_string(v.count()) + "s"; }
template <class T>
std::string show(const T& v) {
    return std::to_string(v);
}

// The fields in which a and b differ, "name: a's vs b's". Every field is
// compared, so an option that lands in the wrong one shows twice: the field
// it should have set, and the one it did. A field added to HttpOptions or
// Options belongs here.
class Differences {
public:
    template <class T>
    void field(const std::string& name, const T& a, const T& b) {
        if (!(a == b)) list.push_back(name + ": " + show(a) + " vs " + show(b));
    }
    std::vector<std::string> list;
};

#define SAFEFARM_FIELD(f) d.field(prefix + #f, a.f, b.f)

void compare(Differences& d, const std::string& prefix, const HttpOptions& a, const HttpOptions& b) {
    SAFEFARM_FIELD(address);
    SAFEFARM_FIELD(port);
    SAFEFARM_FIELD(webRoot);
    SAFEFARM_FIELD(usersFile);
    SAFEFARM_FIELD(tlsCertFile);
    SAFEFARM_FIELD(tlsKeyFile);
    SAFEFARM_FIELD(maxBodyBytes);
    SAFEFARM_FIELD(maxLoginBodyBytes);
    SAFEFARM_FIELD(maxHeaderBytes);
    SAFEFARM_FIELD(headerTimeout);
    SAFEFARM_FIELD(ioTimeout);
    SAFEFARM_FIELD(drainTimeout);
    SAFEFARM_FIELD(connectionLifetime);
    SAFEFARM_FIELD(maxConnections);
    SAFEFARM_FIELD(maxConnectionsPerClient);
    SAFEFARM_FIELD(sessionIdle);
    SAFEFARM_FIELD(sessionLifetime);
    SAFEFARM_FIELD(maxSessions);
    SAFEFARM_FIELD(maxSessionsPerUser);
    SAFEFARM_FIELD(maxPendingLogins);
    SAFEFARM_FIELD(loginThrottle.freeFailures);
    SAFEFARM_FIELD(loginThrottle.baseDelay);
    SAFEFARM_FIELD(loginThrottle.maxDelay);
    SAFEFARM_FIELD(loginThrottle.forget);
    SAFEFARM_FIELD(loginThrottle.maxEntries);
    SAFEFARM_FIELD(metricsNeedAuth);
}

std::vector<std::string> differences(const HttpOptions& a, const HttpOptions& b) {
    Differences d;
    compare(d, "", a, b);
    return d.list;
}

std::vector<std::string> differences(const Options& a, const Options& b) {
    Differences d;
    const std::string prefix;
    SAFEFARM_FIELD(configDir);
    SAFEFARM_FIELD(varDir);
    SAFEFARM_FIELD(logDir);
    SAFEFARM_FIELD(socket);
    SAFEFARM_FIELD(node);
    SAFEFARM_FIELD(instance);
    SAFEFARM_FIELD(xdpMode);
    SAFEFARM_FIELD(bpffs);
    SAFEFARM_FIELD(safeDir);
    SAFEFARM_FIELD(foreground);
    SAFEFARM_FIELD(http);
    SAFEFARM_FIELD(rtPriority);
    SAFEFARM_FIELD(tls);
    compare(d, "api.", a.api, b.api);
    return d.list;
}

#undef SAFEFARM_FIELD

using Strings = std::vector<std::string>;

TEST(CommandLineTest, NoArgumentsGiveTheDefaults) {
    const auto parsed = parse({});
    ASSERT_TRUE(parsed.options.has_value()) << parsed.err;
    EXPECT_EQ(parsed.exitCode, 0);
    EXPECT_EQ(parsed.out, "");
    EXPECT_EQ(parsed.err, "");
    EXPECT_EQ(differences(*parsed.options, Options{}), Strings{});
    // The API's limits are HttpOptions' own; only the users file waits for
    // --config-dir ("": <config-dir>/users.json).
    EXPECT_EQ(differences(parsed.options->api, HttpOptions{}),
              Strings{"usersFile: \"\" vs \"" + std::string(safefarm::http::kDefaultUsersFile) + "\""});
}

// One option on the command line: it changes its own field, and nothing else.
struct OneOption {
    std::string name;  // the test's name
    Strings args;
    std::function<void(Options&)> set;  // what the option should change in the defaults
};

void PrintTo(const OneOption& o, std::ostream* os) {
    for (const auto& a : o.args) *os << a << ' ';
}

class CommandLineOptionTest : public ::testing::TestWithParam<OneOption> {};

TEST_P(CommandLineOptionTest, LandsInItsFieldOnly) {
    const auto parsed = parse(GetParam().args);
    ASSERT_TRUE(parsed.options.has_value()) << parsed.err;
    EXPECT_EQ(parsed.exitCode, 0);
    EXPECT_EQ(parsed.err, "");
    Options expected;
    GetParam().set(expected);
    // Not a no-op: the value differs from the default.
    ASSERT_NE(differences(expected, Options{}), Strings{});
    EXPECT_EQ(differences(*parsed.options, expected), Strings{});
}

using std::chrono::seconds;

INSTANTIATE_TEST_SUITE_P(
    Each, CommandLineOptionTest,
    ::testing::Values(
        OneOption{"ConfigDir", {"--config-dir", "/srv/conf"}, [](Options& o) { o.configDir = "/srv/conf"; }},
        OneOption{"VarDir", {"--var-dir", "/srv/var"}, [](Options& o) { o.varDir = "/srv/var"; }},
        OneOption{"LogDir", {"--log-dir", "/srv/log"}, [](Options& o) { o.logDir = "/srv/log"; }},
        OneOption{"Socket", {"--socket", "/srv/s.sock"}, [](Options& o) { o.socket = "/srv/s.sock"; }},
        OneOption{"Node", {"--node", "n2"}, [](Options& o) { o.node = "n2"; }},
        OneOption{"Instance", {"--instance", "lab1"}, [](Options& o) { o.instance = "lab1"; }},
        OneOption{"XdpModeNative", {"--xdp-mode", "native"}, [](Options& o) { o.xdpMode = "native"; }},
        OneOption{"XdpModeSkb", {"--xdp-mode", "skb"}, [](Options& o) { o.xdpMode = "skb"; }},
        OneOption{"Bpffs", {"--bpffs", "/srv/bpf"}, [](Options& o) { o.bpffs = "/srv/bpf"; }},
        OneOption{"SafeDir", {"--safe-dir", "/opt/safe"}, [](Options& o) { o.safeDir = "/opt/safe"; }},
        OneOption{"HttpAddress", {"--http-address", "::"}, [](Options& o) { o.api.address = "::"; }},
        OneOption{"HttpPort", {"--http-port", "9443"}, [](Options& o) { o.api.port = 9443; }},
        OneOption{"NoHttp", {"--no-http"}, [](Options& o) { o.http = false; }},
        OneOption{"UsersFile", {"--users-file", "/srv/u.json"}, [](Options& o) { o.api.usersFile = "/srv/u.json"; }},
        OneOption{"WebRoot", {"--web-root", "/srv/web"}, [](Options& o) { o.api.webRoot = "/srv/web"; }},
        OneOption{"TlsCert", {"--tls-cert", "/srv/c.pem"}, [](Options& o) { o.api.tlsCertFile = "/srv/c.pem"; }},
        OneOption{"TlsKey", {"--tls-key", "/srv/k.pem"}, [](Options& o) { o.api.tlsKeyFile = "/srv/k.pem"; }},
        OneOption{"TlsOff", {"--tls", "off"}, [](Options& o) { o.tls = "off"; }},
        OneOption{"MetricsNeedAuth", {"--metrics-need-auth"}, [](Options& o) { o.api.metricsNeedAuth = true; }},
        OneOption{
            "HttpHeaderTimeout", {"--http-header-timeout", "7"}, [](Options& o) { o.api.headerTimeout = seconds(7); }},
        OneOption{"HttpIoTimeout", {"--http-io-timeout", "45"}, [](Options& o) { o.api.ioTimeout = seconds(45); }},
        OneOption{
            "HttpDrainTimeout", {"--http-drain-timeout", "5"}, [](Options& o) { o.api.drainTimeout = seconds(5); }},
        OneOption{"HttpConnectionLifetime",
                  {"--http-connection-lifetime", "1200"},
                  [](Options& o) { o.api.connectionLifetime = seconds(1200); }},
        OneOption{
            "HttpMaxConnections", {"--http-max-connections", "1000"}, [](Options& o) { o.api.maxConnections = 1000; }},
        OneOption{"HttpMaxConnectionsPerClient",
                  {"--http-max-connections-per-client", "8"},
                  [](Options& o) { o.api.maxConnectionsPerClient = 8; }},
        OneOption{"HttpMaxBody", {"--http-max-body", "65536"}, [](Options& o) { o.api.maxBodyBytes = 65536; }},
        OneOption{"HttpMaxSessions", {"--http-max-sessions", "50"}, [](Options& o) { o.api.maxSessions = 50; }},
        OneOption{"HttpMaxSessionsPerUser",
                  {"--http-max-sessions-per-user", "3"},
                  [](Options& o) { o.api.maxSessionsPerUser = 3; }},
        OneOption{"RtPriority", {"--rt-priority", "42"}, [](Options& o) { o.rtPriority = 42; }},
        OneOption{"RtPriorityZero", {"--rt-priority", "0"}, [](Options& o) { o.rtPriority = 0; }}),
    [](const ::testing::TestParamInfo<OneOption>& info) { return info.param.name; });

// Every option with a range, its ends as safed has always taken them.
struct Range {
    std::string option;
    long long lowest;
    long long highest;
};

const std::vector<Range> kRanges{
    {"--http-header-timeout", 1, 86400},
    {"--http-io-timeout", 1, 86400},
    {"--http-drain-timeout", 1, 86400},
    {"--http-connection-lifetime", 1, 86400},
    {"--http-max-connections", 1, 65536},
    {"--http-max-connections-per-client", 1, 65536},
    {"--http-max-body", 1024, 1ll << 30},
    {"--http-max-sessions", 1, 1000000},
    {"--http-max-sessions-per-user", 1, 1000},
    {"--rt-priority", 0, 99},
    {"--http-port", 0, 65535},
};

std::string joined(const Strings& args) {
    std::string s;
    for (const auto& a : args) s += (s.empty() ? "" : " ") + a;
    return s;
}

void expectAccepted(const Strings& args) {
    SCOPED_TRACE(joined(args));
    const auto parsed = parse(args);
    EXPECT_TRUE(parsed.options.has_value()) << parsed.err;
    EXPECT_EQ(parsed.exitCode, 0);
}

// Refused: a nonzero exit code, a message that names the option, no options
// (safed does not start).
void expectRefused(const Strings& args) {
    SCOPED_TRACE(joined(args));
    const auto parsed = parse(args);
    EXPECT_FALSE(parsed.options.has_value());
    EXPECT_NE(parsed.exitCode, 0);
    EXPECT_NE(parsed.err.find(args[0]), std::string::npos) << parsed.err;
    EXPECT_EQ(parsed.out, "");
}

TEST(CommandLineTest, EachRangeTakesItsEnds) {
    for (const auto& r : kRanges) {
        expectAccepted({r.option, std::to_string(r.lowest)});
        expectAccepted({r.option, std::to_string(r.highest)});
    }
}

// 0 seconds, --rt-priority 100 and -1, --http-max-body 1023, ...
TEST(CommandLineTest, ValuesOutsideEachRangeAreRefused) {
    for (const auto& r : kRanges) {
        expectRefused({r.option, std::to_string(r.lowest - 1)});
        expectRefused({r.option, std::to_string(r.highest + 1)});
    }
}

TEST(CommandLineTest, OtherBadCommandLinesAreRefused) {
    expectRefused({"--http-max-body", "10"});
    expectRefused({"--xdp-mode", "bogus"});
    expectRefused({"--http-io-timeout", "soon"});
    expectRefused({"--http-port", "web"});
    expectRefused({"--http-bogus", "1"});
    expectRefused({"--http-io-timeout"});
    expectRefused({"--tls", "on"});
    // Plain HTTP and a certificate: which one is meant?
    expectRefused({"--tls", "off", "--tls-cert", "/srv/c.pem"});
}

// Whether the text after an option's name in --help shows "=<value>".
bool showsDefault(const std::string& text, const std::string& value) {
    const auto at = text.find('=' + value);
    if (at == std::string::npos) return false;
    const auto end = at + 1 + value.size();
    return end == text.size() || std::isspace(static_cast<unsigned char>(text[end]));
}

// --help: to stdout, exit code 0, safed does not start; every --http-*
// option with its default (HttpOptions' own).
TEST(CommandLineTest, HelpListsEveryHttpOptionWithItsDefault) {
    const auto parsed = parse({"--help"});
    EXPECT_FALSE(parsed.options.has_value());
    EXPECT_EQ(parsed.exitCode, 0);
    EXPECT_EQ(parsed.err, "");

    const HttpOptions d;
    const std::vector<std::pair<std::string, std::string>> defaults{
        {"--http-address", d.address},
        {"--http-port", std::to_string(d.port)},
        {"--http-header-timeout", std::to_string(d.headerTimeout.count())},
        {"--http-io-timeout", std::to_string(d.ioTimeout.count())},
        {"--http-drain-timeout", std::to_string(d.drainTimeout.count())},
        {"--http-connection-lifetime", std::to_string(d.connectionLifetime.count())},
        {"--http-max-connections", std::to_string(d.maxConnections)},
        {"--http-max-connections-per-client", std::to_string(d.maxConnectionsPerClient)},
        {"--http-max-body", std::to_string(d.maxBodyBytes)},
        {"--http-max-sessions", std::to_string(d.maxSessions)},
        {"--http-max-sessions-per-user", std::to_string(d.maxSessionsPerUser)},
    };
    // The option's own line: "  --http-io-timeout UINT:... =30".
    std::set<std::string> listed;
    std::istringstream lines(parsed.out);
    const std::regex option(R"(^\s+(--http-[a-z-]+)\s(.*)$)");
    for (std::string line; std::getline(lines, line);) {
        std::smatch m;
        if (!std::regex_match(line, m, option)) continue;
        listed.insert(m[1].str());
        for (const auto& [name, value] : defaults) {
            if (m[1] == name) {
                EXPECT_TRUE(showsDefault(m[2].str(), value))
                    << name << " without its default " << value << ": " << line;
            }
        }
    }
    std::set<std::string> expected;
    for (const auto& [name, value] : defaults) expected.insert(name);
    // No --http-* option is missing from the help, none is left out of this test.
    EXPECT_EQ(listed, expected) << parsed.out;
}

}  // namespace
