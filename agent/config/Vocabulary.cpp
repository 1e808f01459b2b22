#include "config/Vocabulary.h"

#include <algorithm>
#include <array>

#include "config/ClusterKeyPath.h"
#include "dataplane/XdpMode.h"

namespace safefarm::config {

namespace {

using K = AttrKind;

// Element paths from the document root. cluster.xml's root is <cluster>,
// userconfig.xml's is <safe>.
constexpr ElementSpec kElements[] = {
    {"cluster", false, true, "cluster.xml: the nodes and networks of the cluster, the same on every node"},
    {"cluster/lans", false, true, "the list of networks"},
    {"cluster/lans/lan", true, true, "one network; modules refer to it by name in <farm><lan name/>"},
    {"cluster/lans/lan/node", true, true, "one node's address on this network"},

    {"safe", false, true, "userconfig.xml: the whole configuration of one module"},
    {"safe/macro", true, false, "a %NAME% macro usable in every attribute value"},
    {"safe/service", false, true, "the module: mode, boot start, restart limits; holds every section below"},
    {"safe/service/farm", false, true, "membership and heartbeats between the farm's nodes"},
    {"safe/service/farm/lan", true, true,
     "a network of cluster.xml carrying heartbeats (several give redundant paths)"},
    {"safe/service/vip", false, true, "the virtual IP addresses and how their traffic is shared"},
    {"safe/service/vip/interface_list", false, true, "the interfaces carrying virtual addresses"},
    {"safe/service/vip/interface_list/interface", true, true, "one network interface"},
    {"safe/service/vip/interface_list/interface/virtual_interface", true, true,
     "the virtual MAC and delivery mode on that interface"},
    {"safe/service/vip/interface_list/interface/virtual_interface/virtual_addr", true, true,
     "one virtual IP address (IPv4 or IPv6)"},
    {"safe/service/vip/loadbalancing_list", false, true, "the load-balancing rules"},
    {"safe/service/vip/loadbalancing_list/group", true, true, "a set of rules sharing one node weighting"},
    {"safe/service/vip/loadbalancing_list/group/cluster", false, false,
     "the nodes' weights for this group (absent: every farm node, power 1)"},
    {"safe/service/vip/loadbalancing_list/group/cluster/host", true, true, "one node's weight"},
    {"safe/service/vip/loadbalancing_list/group/rule", true, true, "which traffic is shared and how it is hashed"},
    {"safe/service/check", false, false, "the checkers"},
    {"safe/service/check/tcp", true, false, "a TCP connect checker"},
    {"safe/service/check/tcp/to", false, true, "what the TCP checker connects to"},
    {"safe/service/check/http", true, false, "an HTTP checker: GET a URL, expect a text in the answer"},
    {"safe/service/check/http/to", false, true, "what the HTTP checker fetches"},
    {"safe/service/check/ping", true, false, "a ping checker (witness: a node that cannot reach it steps down)"},
    {"safe/service/check/ping/to", false, true, "what the ping checker pings"},
    {"safe/service/check/intf", true, false, "an interface checker: the link must be up"},
    {"safe/service/check/intf/to", false, true, "the interface checked"},
    {"safe/service/check/ip", true, false, "an IP checker: the address must be configured on this node"},
    {"safe/service/check/ip/to", false, true, "the address checked"},
    {"safe/service/check/custom", true, false, "a custom checker: a program in bin/ that runs as long as all is well"},
    {"safe/service/errd", false, false, "process monitoring"},
    {"safe/service/errd/proc", true, false, "one monitored process name"},
    {"safe/service/user", false, false, "script settings"},
    {"safe/service/user/var", true, false, "an environment variable given to the scripts"},
};

constexpr std::string_view kWhen = "both|prim|second|pre";
constexpr std::string_view kAction = "restart|wait|stop";

// All defaults. Bare numbers take the unit SafeKit used for that attribute;
// the heartbeat timings are ours (DESIGN §4: failover well under a second).
constexpr AttrSpec kAttrs[] = {
    {"cluster/lans/lan", "name", K::Name, true, "", "", false, "the network's name"},
    {"cluster/lans/lan/node", "name", K::Name, true, "", "", false, "the node's name (the same on every lan it is on)"},
    {"cluster/lans/lan/node", "addr", K::Ip, true, "", "", false, "the node's address on this network"},

    {"safe/macro", "name", K::Name, true, "", "", false, "the macro's name, used as %NAME%"},
    {"safe/macro", "value", K::String, true, "", "", false, "its value"},

    {"safe/service", "mode", K::Enum, true, "", "farm", false, "the module type; only farm"},
    {"safe/service", "boot", K::Enum, false, "off", "on|off", true, "start the module when the node boots"},
    {"safe/service", "maxloop", K::Int, false, "3", "", true,
     "restarts allowed within loop_interval before the module goes to STOP"},
    {"safe/service", "loop_interval", K::Duration, false, "24h", "h", true, "the window maxloop counts restarts in"},

    {"safe/service/farm", "port", K::Port, false, "4803", "", false, "UDP port of the heartbeats"},
    {"safe/service/farm", "pulse", K::Duration, false, "50ms", "ms", false,
     "heartbeat period (ours: SafeKit used 700ms)"},
    {"safe/service/farm", "slost_count", K::Int, false, "4", "", false,
     "a peer silent on every lan for this many pulses is dead: 200ms by default"},
    {"safe/service/farm", "mlost_count", K::Int, false, "5", "", false,
     "pulses a member may take to acknowledge a proposed view before it is left out"},
    {"safe/service/farm", "keyfile", K::Path, false, kDefaultClusterKeyPath, "", false,
     "the cluster key (HMAC-SHA256), readable only by root (ours)"},
    {"safe/service/farm", "quorum", K::Enum, false, "majority", "none|majority", false,
     "majority (ours): only a side holding a majority of the farm's nodes (half with the lowest id) serves, and leases "
     "are confirmed by the peers; none: SafeKit's, every side serves"},
    {"safe/service/farm/lan", "name", K::Name, true, "", "", false, "a lan of cluster.xml"},

    {"safe/service/vip", "tcpreset", K::Bool, false, "off", "", false,
     "ignored (parsed: SafeKit modules carry it); SafeKit: reset the TCP connections of the VIPs when the module stops",
     "a stopping node serves its open connections to their end while its buckets move (the drain) instead of resetting "
     "them"},
    {"safe/service/vip", "scriptcontrol", K::Bool, false, "off", "", false,
     "ignored (parsed: SafeKit modules carry it); SafeKit: on, the scripts, not the agent, add and remove the VIPs",
     "safed adds and removes the VIPs itself, with the data path that owns them (a script's address would bypass the "
     "buckets)"},
    {"safe/service/vip/interface_list/interface", "name", K::Name, false, "", "", false,
     "the interface (absent: the one whose subnet holds the VIP)"},
    {"safe/service/vip/interface_list/interface", "check", K::Bool, false, "on", "", false,
     "the module waits while the interface's link is down"},
    {"safe/service/vip/interface_list/interface", "arpreroute", K::Bool, false, "off", "", false,
     "repeat gratuitous ARPs / unsolicited NAs after start and view changes"},
    {"safe/service/vip/interface_list/interface", "arpinterval", K::Duration, false, "60s", "s", false,
     "period of the repeated gratuitous ARPs"},
    {"safe/service/vip/interface_list/interface", "arpelapse", K::Duration, false, "600s", "s", false,
     "how long they are repeated"},
    {"safe/service/vip/interface_list/interface", "xdp_mode", K::Enum, false, xdpModeName(XdpMode::Auto),
     kXdpModeChoices, false,
     "XDP attach mode: auto tries native, then skb; a node's safed --xdp-mode other than auto wins (ours)"},
    {"safe/service/vip/interface_list/interface/virtual_interface", "type", K::Enum, false, "vmac_invisible",
     "vmac_invisible|vmac_directed", false, "delivery mode (DESIGN §1)"},
    {"safe/service/vip/interface_list/interface/virtual_interface", "addr", K::Mac, false, "", "", false,
     "the virtual MAC (absent: 5a:fe and the first IPv4 VIP's bytes)"},
    {"safe/service/vip/interface_list/interface/virtual_interface/virtual_addr", "addr", K::Ip, true, "", "", false,
     "the virtual IP address"},
    {"safe/service/vip/interface_list/interface/virtual_interface/virtual_addr", "where", K::Enum, false, "alias",
     "alias", false, "how it is configured: an alias of the interface"},
    {"safe/service/vip/interface_list/interface/virtual_interface/virtual_addr", "check", K::Bool, false, "on", "",
     false, "the module waits while the address is not configured"},
    {"safe/service/vip/loadbalancing_list/group", "name", K::Name, true, "", "", false, "the group's name"},
    {"safe/service/vip/loadbalancing_list/group/cluster/host", "name", K::Name, true, "", "", false,
     "a node of the farm's lans"},
    {"safe/service/vip/loadbalancing_list/group/cluster/host", "power", K::Int, false, "1", "", false,
     "the node's weight; 0 = no traffic"},
    {"safe/service/vip/loadbalancing_list/group/rule", "virtual_addr", K::String, false, "*", "", false,
     "a VIP of this module, or * for all"},
    {"safe/service/vip/loadbalancing_list/group/rule", "port", K::PortSpec, false, "", "", false,
     "N, N-M or *; required with tcp and udp, not allowed with arp"},
    {"safe/service/vip/loadbalancing_list/group/rule", "proto", K::Enum, false, "tcp", "tcp|udp|arp", false,
     "the protocol; arp spreads ARP answers (vmac_directed, on_addr)"},
    {"safe/service/vip/loadbalancing_list/group/rule", "filter", K::Enum, false, "on_addr", "on_addr|on_port|on_ipid",
     false, "hash on the client address, address and port, or address and IP id"},

    {"safe/service/check/tcp", "ident", K::Name, true, "", "", true, "the checker's name"},
    {"safe/service/check/tcp", "when", K::Enum, false, "both", kWhen, true,
     "when it runs; in a farm every node is both"},
    {"safe/service/check/tcp", "action", K::Enum, false, "restart", kAction, true, "what a failure does to the module"},
    {"safe/service/check/tcp/to", "addr", K::Ip, true, "", "", true, "address connected to"},
    {"safe/service/check/tcp/to", "port", K::Port, true, "", "", true, "port connected to"},
    {"safe/service/check/tcp/to", "interval", K::Duration, false, "10s", "s", true, "period of the check"},
    {"safe/service/check/tcp/to", "timeout", K::Duration, false, "5s", "s", true,
     "a connection not made in this time fails"},
    {"safe/service/check/http", "ident", K::Name, true, "", "", true, "the checker's name"},
    {"safe/service/check/http", "when", K::Enum, false, "both", kWhen, true, "when it runs"},
    {"safe/service/check/http", "action", K::Enum, false, "restart", kAction, true,
     "what a failure does to the module"},
    {"safe/service/check/http/to", "url", K::String, true, "", "", true, "http://addr[:port]/path fetched with GET"},
    {"safe/service/check/http/to", "expect", K::String, false, "", "", true,
     "text the answer must contain (empty: a 2xx status is enough)"},
    {"safe/service/check/http/to", "interval", K::Duration, false, "10s", "s", true, "period of the check"},
    {"safe/service/check/http/to", "timeout", K::Duration, false, "5s", "s", true,
     "an answer not received in this time fails"},
    {"safe/service/check/ping", "ident", K::Name, true, "", "", true, "the checker's name"},
    {"safe/service/check/ping", "when", K::Enum, false, "both", kWhen, true, "when it runs"},
    {"safe/service/check/ping", "action", K::Enum, false, "wait", kAction, true, "what a failure does to the module"},
    {"safe/service/check/ping/to", "addr", K::Ip, true, "", "", true, "the witness pinged"},
    {"safe/service/check/ping/to", "interval", K::Duration, false, "10s", "s", true, "period of the check"},
    {"safe/service/check/ping/to", "timeout", K::Duration, false, "5s", "s", true, "no answer in this time fails"},
    {"safe/service/check/intf", "ident", K::Name, true, "", "", true, "the checker's name"},
    {"safe/service/check/intf", "when", K::Enum, false, "both", kWhen, true, "when it runs"},
    {"safe/service/check/intf", "action", K::Enum, false, "wait", kAction, true, "what a failure does to the module"},
    {"safe/service/check/intf/to", "name", K::Name, true, "", "", true, "the interface"},
    {"safe/service/check/ip", "ident", K::Name, true, "", "", true, "the checker's name"},
    {"safe/service/check/ip", "when", K::Enum, false, "both", kWhen, true, "when it runs"},
    {"safe/service/check/ip", "action", K::Enum, false, "wait", kAction, true, "what a failure does to the module"},
    {"safe/service/check/ip/to", "addr", K::Ip, true, "", "", true, "the address"},
    {"safe/service/check/custom", "ident", K::Name, true, "", "", true, "the checker's name"},
    {"safe/service/check/custom", "when", K::Enum, false, "both", kWhen, true, "when it runs"},
    {"safe/service/check/custom", "exec", K::Path, true, "", "", true,
     "program in the module's bin/; its exit means failure"},
    {"safe/service/check/custom", "arg", K::String, false, "", "", true, "its arguments (split on spaces)"},
    {"safe/service/check/custom", "action", K::Enum, false, "wait", kAction, true, "what a failure does to the module"},

    {"safe/service/errd", "polltimer", K::Duration, false, "10s", "s", false, "how often processes are counted"},
    {"safe/service/errd/proc", "name", K::String, true, "", "", false, "process name (as in /proc/PID/comm)"},
    {"safe/service/errd/proc", "atleast", K::Int, false, "1", "", false, "fewer processes than this is a failure"},
    {"safe/service/errd/proc", "atmax", K::String, false, "none", "", false,
     "more than this is a failure; none = no limit"},
    {"safe/service/errd/proc", "action", K::Enum, false, "restart", kAction, false,
     "what a failure does to the module"},
    {"safe/service/errd/proc", "class", K::Enum, false, "both", kWhen, false, "when the process is monitored"},

    {"safe/service/user", "nicestoptimeout", K::Duration, false, "300s", "s", false,
     "time given to draining and stop_both before stop_both force"},
    {"safe/service/user", "forcestoptimeout", K::Duration, false, "300s", "s", false, "time given to stop_both force"},
    {"safe/service/user", "logging", K::Enum, false, "userlog", "userlog|none", false,
     "keep the scripts' output in the application log"},
    {"safe/service/user", "userlogsize", K::Int, false, "1000", "", false,
     "size of the application log in KiB before it rotates"},
    {"safe/service/user/var", "name", K::Name, true, "", "", false, "the variable's name"},
    {"safe/service/user/var", "value", K::String, true, "", "", false, "its value"},
};

size_t editDistance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); j++) row[j] = j;
    for (size_t i = 1; i <= a.size(); i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); j++) {
            size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

}  // namespace

std::span<const ElementSpec> elementSpecs() { return kElements; }
std::span<const AttrSpec> attrSpecs() { return kAttrs; }

const ElementSpec* findElement(std::string_view path) {
    for (const auto& e : kElements)
        if (e.path == path) return &e;
    return nullptr;
}

const AttrSpec* findAttr(std::string_view element, std::string_view name) {
    for (const auto& a : kAttrs)
        if (a.element == element && a.name == name) return &a;
    return nullptr;
}

std::vector<std::string_view> childNames(std::string_view parent) {
    std::vector<std::string_view> out;
    for (const auto& e : kElements) {
        if (e.path.size() <= parent.size() + 1 || !e.path.starts_with(parent) || e.path[parent.size()] != '/') continue;
        std::string_view rest = e.path.substr(parent.size() + 1);
        if (rest.find('/') == std::string_view::npos) out.push_back(rest);
    }
    return out;
}

std::vector<std::string_view> attrNames(std::string_view element) {
    std::vector<std::string_view> out;
    for (const auto& a : kAttrs)
        if (a.element == element) out.push_back(a.name);
    return out;
}

std::string_view closestName(std::string_view unknown, const std::vector<std::string_view>& known) {
    std::string_view best;
    size_t bestDistance = 0;
    for (auto name : known) {
        size_t d = editDistance(unknown, name);
        if (best.empty() || d < bestDistance) {
            best = name;
            bestDistance = d;
        }
    }
    return best;
}

}  // namespace safefarm::config
