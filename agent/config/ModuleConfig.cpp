#include "config/ModuleConfig.h"

#include <ifaddrs.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config/XmlReader.h"

namespace safefarm::config {

namespace {

std::optional<std::string> systemEnv(const std::string& name) {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
}

std::string familyName(int family) { return family == AF_INET6 ? "IPv6" : "IPv4"; }

// The element handlers, one per element of the vocabulary. Each reads its
// element through Elem (defaults from the Vocabulary table) and runs the
// end-of-block checks that span its fields; cross-section checks run last.
class ModuleBuilder {
public:
    ModuleBuilder(XmlReader& reader, const ParseContext& context) : reader_(reader), context_(context) {}

    // SafeKit's layout: <safe><macro/>…<service> holding every section </service></safe>.
    void build(const Elem& root, ModuleConfig& out) {
        out.macros = reader_.macros();
        scripts(root);
        auto svc = root.child("service");
        if (!svc) return;  // reported by the vocabulary pass
        service(*svc, out.service);
        if (auto e = svc->child("farm")) farm(*e, out.farm);
        if (auto e = svc->child("vip")) vip(*e, out.vip);
        if (auto e = svc->child("check")) checks(*e, out.checks);
        if (auto e = svc->child("errd"))
            errd(*e, out.errd);
        else
            defaults(*svc, "errd", [&](const Elem& d) { errd(d, out.errd); });
        if (auto e = svc->child("user"))
            user(*e, out.user);
        else
            defaults(*svc, "user", [&](const Elem& d) { user(d, out.user); });
    }

private:
    // An optional element left out takes every default: read them from an
    // empty element at the same path, so the table stays the only source.
    template <class F>
    void defaults(const Elem& parent, const char* name, F&& handler) {
        pugi::xml_document scratch;
        pugi::xml_node node = scratch;
        std::string_view spec = parent.spec();
        for (size_t start = 0; start <= spec.size();) {
            size_t slash = std::min(spec.find('/', start), spec.size());
            node = node.append_child(std::string(spec.substr(start, slash - start)).c_str());
            start = slash + 1;
        }
        Elem empty(reader_, node.append_child(name));
        handler(empty);
    }

    void positive(const Elem& e, const char* attr, Duration d) {
        if (d.count() <= 0 && e.wellFormed(attr))
            e.error(std::string("attribute '") + attr + "': expected a time greater than 0");
    }

    void atLeastOne(const Elem& e, const char* attr, uint32_t v) {
        if (v < 1 && e.wellFormed(attr)) e.error(std::string("attribute '") + attr + "': expected at least 1, got 0");
    }

    void service(const Elem& e, ServiceConfig& s) {
        s.mode = e.str("mode");
        s.boot = e.str("boot") == "on";
        s.maxloop = e.integer("maxloop");
        s.loopInterval = e.duration("loop_interval");
        positive(e, "loop_interval", s.loopInterval);
    }

    void farm(const Elem& e, FarmConfig& f) {
        f.port = parsePort(e.str("port")).value_or(0);
        f.pulse = e.duration("pulse");
        positive(e, "pulse", f.pulse);
        f.slostCount = e.integer("slost_count");
        atLeastOne(e, "slost_count", f.slostCount);
        f.mlostCount = e.integer("mlost_count");
        atLeastOne(e, "mlost_count", f.mlostCount);
        f.keyfile = e.str("keyfile");
        f.quorum = e.str("quorum") == "majority" ? Quorum::Majority : Quorum::None;
        for (const auto& lan : e.children("lan")) {
            std::string name = lan.str("name");
            if (std::find(f.lans.begin(), f.lans.end(), name) != f.lans.end()) {
                lan.error("lan '" + name + "' is listed twice");
                continue;
            }
            if (context_.cluster && !context_.cluster->findLan(name)) {
                std::vector<std::string_view> known;
                for (const auto& l : context_.cluster->lans) known.push_back(l.name);
                std::string msg = "lan '" + name + "' is not declared in " + context_.cluster->file;
                if (!known.empty()) msg += ", did you mean '" + std::string(closestName(name, known)) + "'?";
                lan.error(msg);
            }
            f.lans.push_back(std::move(name));
        }
        if (context_.cluster) {
            for (const auto& lanName : f.lans)
                if (const ClusterLan* lan = context_.cluster->findLan(lanName))
                    for (const auto& node : lan->nodes) farmNodes_.insert(node.name);
        }
    }

    void vip(const Elem& e, VipConfig& v) {
        v.tcpreset = e.flag("tcpreset");
        v.scriptcontrol = e.flag("scriptcontrol");
        if (auto list = e.child("interface_list"))
            for (const auto& i : list->children("interface")) v.interfaces.push_back(interface(i));
        if (auto list = e.child("loadbalancing_list"))
            for (const auto& g : list->children("group")) v.groups.push_back(group(g, v));
    }

    InterfaceConfig interface(const Elem& e) {
        InterfaceConfig i;
        i.name = e.str("name");
        i.check = e.flag("check");
        i.arpreroute = e.flag("arpreroute");
        i.arpinterval = e.duration("arpinterval");
        positive(e, "arpinterval", i.arpinterval);
        i.arpelapse = e.duration("arpelapse");
        i.xdpMode = parseXdpMode(e.str("xdp_mode")).value_or(XdpMode::Auto);  // the table checked the name
        if (!i.name.empty()) {
            if (!interfaceNames_.insert(i.name).second) e.error("interface '" + i.name + "' is listed twice");
        }
        std::optional<std::vector<int>> families;
        if (!i.name.empty() && context_.interfaceFamilies) {
            families = context_.interfaceFamilies(i.name);
            if (!families) e.error("interface '" + i.name + "' does not exist on this node");
        }
        for (const auto& vi : e.children("virtual_interface")) {
            VirtualInterface out;
            out.type = vi.str("type") == "vmac_directed" ? VmacType::Directed : VmacType::Invisible;
            out.vmac = vi.mac("addr");
            if (out.vmac && out.type == VmacType::Directed)
                vi.error(
                    "attribute 'addr': a virtual MAC is not used with type=\"vmac_directed\" (nodes answer "
                    "with their own MAC); remove it or use vmac_invisible");
            if (out.vmac && ((*out.vmac)[0] & 1))
                vi.error("attribute 'addr': expected a unicast MAC (first byte even), got " + formatMac(*out.vmac));
            if (out.type == VmacType::Directed) anyDirected_ = true;
            for (const auto& va : vi.children("virtual_addr")) {
                VirtualAddr a;
                a.addr = va.ip("addr").value_or(IpAddr{});
                a.text = va.str("addr");
                a.where = va.str("where");
                a.check = va.flag("check");
                if (a.addr.family != 0) {
                    if (!vips_.emplace(formatIp(a.addr), out.type).second)
                        va.error("virtual address " + formatIp(a.addr) + " is declared twice");
                    if (families && !families->empty() &&
                        std::find(families->begin(), families->end(), a.addr.family) == families->end())
                        va.error("virtual address " + formatIp(a.addr) + " is " + familyName(a.addr.family) +
                                 " but interface '" + i.name + "' has no " + familyName(a.addr.family) + " address");
                }
                out.addrs.push_back(std::move(a));
            }
            i.virtualInterfaces.push_back(std::move(out));
        }
        return i;
    }

    LbGroup group(const Elem& e, const VipConfig&) {
        LbGroup g;
        g.name = e.str("name");
        if (!groupNames_.insert(g.name).second) e.error("group '" + g.name + "' is declared twice");
        if (auto cluster = e.child("cluster")) {
            std::set<std::string> names;
            uint64_t total = 0;
            for (const auto& h : cluster->children("host")) {
                LbHost host{h.str("name"), h.integer("power")};
                total += host.power;
                if (!names.insert(host.name).second) h.error("host '" + host.name + "' is listed twice");
                if (context_.cluster && !farmNodes_.empty() && !farmNodes_.count(host.name)) {
                    std::vector<std::string_view> known(farmNodes_.begin(), farmNodes_.end());
                    h.error("host '" + host.name + "' is not a node of the farm's lans, did you mean '" +
                            std::string(closestName(host.name, known)) + "'?");
                }
                g.hosts.push_back(std::move(host));
            }
            if (!g.hosts.empty() && total == 0)
                cluster->error(
                    "every host has power 0: no node would receive traffic (expected at least one "
                    "power > 0)");
        }
        for (const auto& r : e.children("rule")) g.rules.push_back(rule(r));
        return g;
    }

    LbRule rule(const Elem& e) {
        LbRule r;
        r.virtualAddr = e.str("virtual_addr");
        std::string proto = e.str("proto");
        r.proto = proto == "udp" ? Proto::Udp : proto == "arp" ? Proto::Arp : Proto::Tcp;
        std::string filter = e.str("filter");
        r.filter = filter == "on_port"   ? HashFilter::OnPort
                   : filter == "on_ipid" ? HashFilter::OnIpid
                                         : HashFilter::OnAddr;
        std::optional<VmacType> vipType;
        if (r.virtualAddr != "*") {
            auto ip = parseIp(r.virtualAddr);
            if (!ip) {
                e.error("attribute 'virtual_addr': expected * or a virtual address of this module, got '" +
                        r.virtualAddr + "'");
            } else if (auto it = vips_.find(formatIp(ip.value())); it == vips_.end()) {
                e.error("attribute 'virtual_addr': " + r.virtualAddr + " is not a <virtual_addr> of this module");
            } else {
                vipType = it->second;
            }
        }
        std::string port = e.str("port");
        if (r.proto == Proto::Arp) {
            if (e.has("port")) e.error("attribute 'port': not allowed with proto=\"arp\"");
            if (r.filter != HashFilter::OnAddr)
                e.error("proto=\"arp\" needs filter=\"on_addr\", got filter=\"" + filter + "\"");
            bool directed = vipType ? *vipType == VmacType::Directed : anyDirected_;
            if (!directed)
                e.error(
                    "proto=\"arp\" needs a virtual_interface of type=\"vmac_directed\" (with vmac_invisible "
                    "one node answers every ARP request)");
        } else {
            if (port.empty()) {
                e.error("missing attribute 'port': expected N, N-M or * with proto=\"" + proto + "\"");
            } else if (auto range = parsePortSpec(port)) {
                r.portLow = range->first;
                r.portHigh = range->second;
            }
            if (r.filter == HashFilter::OnIpid && r.proto != Proto::Udp)
                e.error(
                    "filter=\"on_ipid\" needs proto=\"udp\" (it hashes each datagram's IP id; a TCP "
                    "connection would be split across nodes)");
        }
        return r;
    }

    void to(const Elem& e, CheckConfig& c) {
        auto t = e.child("to");
        if (!t) return;  // reported by the vocabulary pass
        switch (c.kind) {
            case CheckKind::Tcp:
                c.addr = t->ip("addr");
                c.port = parsePort(t->str("port")).value_or(0);
                break;
            case CheckKind::Http: {
                c.url = t->str("url");
                c.expect = t->str("expect");
                if (!c.url.starts_with("http://"))
                    t->error("attribute 'url': expected http://host[:port]/path, got '" + c.url + "'");
                break;
            }
            case CheckKind::Ping: c.addr = t->ip("addr"); break;
            case CheckKind::Intf: c.intf = t->str("name"); break;
            case CheckKind::Ip: c.addr = t->ip("addr"); break;
            case CheckKind::Custom: break;
        }
        if (c.kind == CheckKind::Tcp || c.kind == CheckKind::Http || c.kind == CheckKind::Ping) {
            c.interval = t->duration("interval");
            positive(*t, "interval", c.interval);
            c.timeout = t->duration("timeout");
            positive(*t, "timeout", c.timeout);
        }
    }

    void checks(const Elem& e, std::vector<CheckConfig>& out) {
        static const std::pair<const char*, CheckKind> kKinds[] = {
            {"tcp", CheckKind::Tcp},   {"http", CheckKind::Http}, {"ping", CheckKind::Ping},
            {"intf", CheckKind::Intf}, {"ip", CheckKind::Ip},     {"custom", CheckKind::Custom},
        };
        std::set<std::string> idents;
        for (auto node : e.node().children()) {
            if (node.type() != pugi::node_element) continue;
            auto kind = std::find_if(std::begin(kKinds), std::end(kKinds),
                                     [&](const auto& k) { return std::string_view(k.first) == node.name(); });
            if (kind == std::end(kKinds)) continue;  // reported by the vocabulary pass
            Elem c(reader_, node);
            CheckConfig check;
            check.kind = kind->second;
            check.ident = c.str("ident");
            check.when = c.str("when");
            check.action = c.str("action");
            if (!check.ident.empty() && !idents.insert(check.ident).second)
                c.error("checker ident '" + check.ident + "' is used twice");
            if (check.kind == CheckKind::Custom) {
                check.exec = c.str("exec");
                check.arg = c.str("arg");
                executable(c, "exec", check.exec);
            }
            to(c, check);
            out.push_back(std::move(check));
        }
    }

    void errd(const Elem& e, ErrdConfig& d) {
        d.polltimer = e.duration("polltimer");
        positive(e, "polltimer", d.polltimer);
        for (const auto& p : e.children("proc")) {
            ProcConfig proc;
            proc.name = p.str("name");
            proc.atleast = p.integer("atleast");
            proc.action = p.str("action");
            proc.procClass = p.str("class");
            std::string atmax = p.str("atmax");
            if (atmax != "none") {
                if (auto v = parseUint(atmax)) {
                    proc.atmax = *v;
                    if (*v < proc.atleast)
                        p.error("attribute 'atmax': expected none or at least atleast (" +
                                std::to_string(proc.atleast) + "), got " + atmax);
                } else {
                    p.error("attribute 'atmax': expected none or a non-negative integer, got '" + atmax + "'");
                }
            }
            d.procs.push_back(std::move(proc));
        }
    }

    void user(const Elem& e, UserConfig& u) {
        u.nicestoptimeout = e.duration("nicestoptimeout");
        positive(e, "nicestoptimeout", u.nicestoptimeout);
        u.forcestoptimeout = e.duration("forcestoptimeout");
        positive(e, "forcestoptimeout", u.forcestoptimeout);
        u.logging = e.str("logging");
        u.userlogsize = e.integer("userlogsize");
        std::set<std::string> names;
        for (const auto& v : e.children("var")) {
            std::string name = v.str("name");
            if (!names.insert(name).second) v.error("variable '" + name + "' is set twice");
            u.vars.emplace_back(name, v.str("value"));
        }
    }

    // A program of the module's bin/ (or an absolute path): present and executable.
    void executable(const Elem& e, const char* attr, const std::string& name) {
        if (context_.moduleDir.empty() || name.empty()) return;
        std::filesystem::path p = name;
        if (p.is_relative()) p = std::filesystem::path(context_.moduleDir) / "bin" / p;
        struct stat st {};
        if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
            e.error(std::string("attribute '") + attr + "': " + p.string() + " does not exist");
        else if (::access(p.c_str(), X_OK) != 0)
            e.error(std::string("attribute '") + attr + "': " + p.string() + " is not executable (chmod +x)");
    }

    void scripts(const Elem& root) {
        if (context_.moduleDir.empty()) return;
        for (const char* script : {"start_both", "stop_both"}) {
            auto p = std::filesystem::path(context_.moduleDir) / "bin" / script;
            struct stat st {};
            if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
                root.error("script " + p.string() +
                           " does not exist (every module needs bin/start_both and "
                           "bin/stop_both)");
            else if (::access(p.c_str(), X_OK) != 0)
                root.error("script " + p.string() + " is not executable (chmod +x)");
        }
    }

    XmlReader& reader_;
    const ParseContext& context_;
    std::set<std::string> farmNodes_;
    std::set<std::string> interfaceNames_;
    std::set<std::string> groupNames_;
    std::map<std::string, VmacType> vips_;  // formatted VIP -> its interface's type
    bool anyDirected_ = false;
};

}  // namespace

ModuleParse parseUserConfigText(std::string_view text, const std::string& fileName, const ParseContext& context) {
    XmlReader reader(fileName, text, context.env ? context.env : systemEnv);
    auto root = reader.root("safe");
    if (!root) return {nullptr, reader.takeErrors()};
    // Macros first: every other value may use them. Their own values are taken as written.
    for (const auto& m : root->children("macro")) {
        std::string name = m.node().attribute("name").value();
        if (name.empty()) continue;  // reported by the vocabulary pass
        if (reader.macros().count(name)) m.error("macro '" + name + "' is defined twice");
        reader.defineMacro(name, m.node().attribute("value").value());
    }
    reader.checkVocabulary(*root);
    auto config = std::make_shared<ModuleConfig>();
    config->file = fileName;
    ModuleBuilder(reader, context).build(*root, *config);
    if (reader.failed()) return {nullptr, reader.takeErrors(), reader.takeWarnings()};
    return {std::move(config), {}, reader.takeWarnings()};
}

ModuleParse parseUserConfigFile(const std::string& fileName, const ParseContext& context) {
    std::ifstream in(fileName, std::ios::binary);
    if (!in) return {nullptr, {Diagnostic{fileName, 0, "", "cannot read the file"}}};
    std::ostringstream text;
    text << in.rdbuf();
    return parseUserConfigText(text.str(), fileName, context);
}

std::optional<std::vector<int>> systemInterfaceFamilies(const std::string& name) {
    struct ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return std::nullopt;
    bool found = false;
    std::vector<int> families;
    for (auto* i = list; i; i = i->ifa_next) {
        if (name != i->ifa_name) continue;
        found = true;
        if (i->ifa_addr && (i->ifa_addr->sa_family == AF_INET || i->ifa_addr->sa_family == AF_INET6))
            families.push_back(i->ifa_addr->sa_family);
    }
    ::freeifaddrs(list);
    if (!found) return std::nullopt;
    return families;
}

}  // namespace safefarm::config
