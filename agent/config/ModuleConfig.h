// userconfig.xml: one module's configuration, typed, checked, immutable once
// built. Field defaults are filled from the Vocabulary table by the parser.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/NetAddr.h"
#include "config/ClusterConfig.h"
#include "config/Diagnostic.h"
#include "config/Duration.h"
#include "dataplane/XdpMode.h"

namespace safefarm::config {

struct ServiceConfig {
    std::string mode;
    bool boot = false;
    uint32_t maxloop = 0;
    Duration loopInterval{};
};

enum class Quorum { None, Majority };

struct FarmConfig {
    uint16_t port = 0;
    Duration pulse{};
    uint32_t slostCount = 0;
    uint32_t mlostCount = 0;
    std::string keyfile;
    Quorum quorum = Quorum::Majority;
    // Majority: leases are confirmed by the peers (docs/design.md "Leases").
    bool peerLeases() const { return quorum == Quorum::Majority; }
    std::vector<std::string> lans;
};

enum class VmacType { Invisible, Directed };

struct VirtualAddr {
    IpAddr addr;
    std::string text;  // as written (after macros), used to match rule virtual_addr
    std::string where;
    bool check = true;
};

struct VirtualInterface {
    VmacType type = VmacType::Invisible;
    std::optional<Mac> vmac;  // absent: the default of DESIGN §1
    std::vector<VirtualAddr> addrs;
};

struct InterfaceConfig {
    std::string name;  // may be empty: the interface whose subnet holds the VIP
    bool check = true;
    bool arpreroute = false;
    Duration arpinterval{};
    Duration arpelapse{};
    XdpMode xdpMode = XdpMode::Auto;
    std::vector<VirtualInterface> virtualInterfaces;
};

enum class Proto { Tcp, Udp, Arp };
enum class HashFilter { OnAddr, OnPort, OnIpid };

struct LbRule {
    std::string virtualAddr;  // "*" or one VIP
    uint16_t portLow = 0;     // 0..65535 for "*"; 0/0 for arp
    uint16_t portHigh = 0;
    Proto proto = Proto::Tcp;
    HashFilter filter = HashFilter::OnAddr;
};

struct LbHost {
    std::string name;
    uint32_t power = 1;
};

struct LbGroup {
    std::string name;
    std::vector<LbHost> hosts;  // empty: every farm node with power 1
    std::vector<LbRule> rules;
};

struct VipConfig {
    bool tcpreset = false;
    bool scriptcontrol = false;
    std::vector<InterfaceConfig> interfaces;
    std::vector<LbGroup> groups;
};

enum class CheckKind { Tcp, Http, Ping, Intf, Ip, Custom };

struct CheckConfig {
    CheckKind kind = CheckKind::Tcp;
    std::string ident;
    std::string when;
    std::string action;
    // The <to> target (which fields apply depends on the kind) or custom exec.
    std::optional<IpAddr> addr;
    uint16_t port = 0;
    std::string url;
    std::string expect;
    std::string intf;
    std::string exec;
    std::string arg;
    Duration interval{};
    Duration timeout{};
};

struct ProcConfig {
    std::string name;
    uint32_t atleast = 1;
    std::optional<uint32_t> atmax;  // none: no limit
    std::string action;
    std::string procClass;
};

struct ErrdConfig {
    Duration polltimer{};
    std::vector<ProcConfig> procs;
};

struct UserConfig {
    Duration nicestoptimeout{};
    Duration forcestoptimeout{};
    std::string logging;
    uint32_t userlogsize = 0;
    std::vector<std::pair<std::string, std::string>> vars;
};

struct ModuleConfig {
    std::string file;
    std::map<std::string, std::string> macros;  // the <macro> elements
    ServiceConfig service;
    FarmConfig farm;
    VipConfig vip;
    std::vector<CheckConfig> checks;
    ErrdConfig errd;
    UserConfig user;
};

// What the parser may consult besides the text. Every member is optional:
// without a cluster the lan and host names are not checked, without a module
// directory the scripts are not, without a probe the interfaces are not.
struct ParseContext {
    const ClusterConfig* cluster = nullptr;
    std::string moduleDir;  // holds conf/ and bin/
    // Environment lookup for %NAME% not defined by <macro> (default: getenv).
    std::function<std::optional<std::string>(const std::string&)> env;
    // Address families (AF_INET, AF_INET6) configured on an interface;
    // nullopt when the interface does not exist on this node.
    std::function<std::optional<std::vector<int>>(const std::string&)> interfaceFamilies;
};

struct ModuleParse {
    std::shared_ptr<const ModuleConfig> config;
    Diagnostics errors;
    Diagnostics warnings;  // the configuration is taken; these say what of it is not done
};

ModuleParse parseUserConfigText(std::string_view text, const std::string& fileName, const ParseContext& context);
ModuleParse parseUserConfigFile(const std::string& fileName, const ParseContext& context);

// The real interface probe (getifaddrs).
std::optional<std::vector<int>> systemInterfaceFamilies(const std::string& name);

}  // namespace safefarm::config
