#include "config/ConfigDiff.h"

#include <map>

namespace safefarm::config {

namespace {

std::string onOff(bool b) { return b ? "on" : "off"; }

const char* checkKindName(CheckKind k) {
    switch (k) {
        case CheckKind::Tcp: return "tcp";
        case CheckKind::Http: return "http";
        case CheckKind::Ping: return "ping";
        case CheckKind::Intf: return "intf";
        case CheckKind::Ip: return "ip";
        case CheckKind::Custom: return "custom";
    }
    return "?";
}

// Keys live in SafeKit's sense: the service's restart policy and the checkers.
bool isLive(const std::string& key) {
    return key == "service.boot" || key == "service.maxloop" || key == "service.loop_interval" ||
           key.starts_with("check[");
}

}  // namespace

std::vector<std::pair<std::string, std::string>> flatten(const ModuleConfig& c) {
    std::vector<std::pair<std::string, std::string>> out;
    auto add = [&](std::string key, std::string value) { out.emplace_back(std::move(key), std::move(value)); };

    add("service.mode", c.service.mode);
    add("service.boot", onOff(c.service.boot));
    add("service.maxloop", std::to_string(c.service.maxloop));
    add("service.loop_interval", formatDuration(c.service.loopInterval));

    add("farm.port", std::to_string(c.farm.port));
    add("farm.pulse", formatDuration(c.farm.pulse));
    add("farm.slost_count", std::to_string(c.farm.slostCount));
    add("farm.mlost_count", std::to_string(c.farm.mlostCount));
    add("farm.keyfile", c.farm.keyfile);
    add("farm.quorum", c.farm.quorum == Quorum::Majority ? "majority" : "none");
    for (const auto& lan : c.farm.lans) add("farm.lan[" + lan + "]", "present");

    add("vip.tcpreset", onOff(c.vip.tcpreset));
    add("vip.scriptcontrol", onOff(c.vip.scriptcontrol));
    for (size_t n = 0; n < c.vip.interfaces.size(); n++) {
        const auto& i = c.vip.interfaces[n];
        std::string k = "vip.interface[" + (i.name.empty() ? "#" + std::to_string(n + 1) : i.name) + "]";
        add(k + ".check", onOff(i.check));
        add(k + ".arpreroute", onOff(i.arpreroute));
        add(k + ".arpinterval", formatDuration(i.arpinterval));
        add(k + ".arpelapse", formatDuration(i.arpelapse));
        add(k + ".xdp_mode", std::string(xdpModeName(i.xdpMode)));
        for (size_t m = 0; m < i.virtualInterfaces.size(); m++) {
            const auto& vi = i.virtualInterfaces[m];
            std::string vk = k + ".virtual_interface[" + std::to_string(m + 1) + "]";
            add(vk + ".type", vi.type == VmacType::Directed ? "vmac_directed" : "vmac_invisible");
            add(vk + ".addr", vi.vmac ? formatMac(*vi.vmac) : "default");
            for (const auto& a : vi.addrs) {
                std::string ak = vk + ".virtual_addr[" + formatIp(a.addr) + "]";
                add(ak + ".where", a.where);
                add(ak + ".check", onOff(a.check));
            }
        }
    }
    for (const auto& g : c.vip.groups) {
        std::string k = "vip.group[" + g.name + "]";
        for (const auto& h : g.hosts) add(k + ".host[" + h.name + "].power", std::to_string(h.power));
        for (size_t n = 0; n < g.rules.size(); n++) {
            const auto& r = g.rules[n];
            const char* proto = r.proto == Proto::Udp ? "udp" : r.proto == Proto::Arp ? "arp" : "tcp";
            const char* filter = r.filter == HashFilter::OnPort   ? "on_port"
                                 : r.filter == HashFilter::OnIpid ? "on_ipid"
                                                                  : "on_addr";
            add(k + ".rule[" + std::to_string(n + 1) + "]", std::string(proto) + " " + r.virtualAddr + " " +
                                                                std::to_string(r.portLow) + "-" +
                                                                std::to_string(r.portHigh) + " " + filter);
        }
    }
    for (const auto& ch : c.checks) {
        std::string k = "check[" + ch.ident + "]";
        add(k + ".kind", checkKindName(ch.kind));
        add(k + ".when", ch.when);
        add(k + ".action", ch.action);
        if (ch.addr) add(k + ".to.addr", formatIp(*ch.addr));
        if (ch.port) add(k + ".to.port", std::to_string(ch.port));
        if (!ch.url.empty()) add(k + ".to.url", ch.url);
        if (!ch.expect.empty()) add(k + ".to.expect", ch.expect);
        if (!ch.intf.empty()) add(k + ".to.name", ch.intf);
        if (!ch.exec.empty()) add(k + ".exec", ch.exec);
        if (!ch.arg.empty()) add(k + ".arg", ch.arg);
        if (ch.interval.count()) add(k + ".to.interval", formatDuration(ch.interval));
        if (ch.timeout.count()) add(k + ".to.timeout", formatDuration(ch.timeout));
    }
    add("errd.polltimer", formatDuration(c.errd.polltimer));
    for (const auto& p : c.errd.procs)
        add("errd.proc[" + p.name + "]", "atleast=" + std::to_string(p.atleast) +
                                             " atmax=" + (p.atmax ? std::to_string(*p.atmax) : "none") +
                                             " action=" + p.action + " class=" + p.procClass);
    add("user.nicestoptimeout", formatDuration(c.user.nicestoptimeout));
    add("user.forcestoptimeout", formatDuration(c.user.forcestoptimeout));
    add("user.logging", c.user.logging);
    add("user.userlogsize", std::to_string(c.user.userlogsize));
    for (const auto& [name, value] : c.user.vars) add("user.var[" + name + "]", value);
    return out;
}

ConfigDiff diffConfigs(const ModuleConfig& before, const ModuleConfig& after) {
    auto a = flatten(before);
    auto b = flatten(after);
    std::map<std::string, std::string> bMap(b.begin(), b.end());
    std::map<std::string, std::string> aMap(a.begin(), a.end());
    ConfigDiff diff;
    for (const auto& [key, value] : a) {
        auto it = bMap.find(key);
        if (it == bMap.end())
            diff.changes.push_back({key, value, "", isLive(key)});
        else if (it->second != value)
            diff.changes.push_back({key, value, it->second, isLive(key)});
    }
    for (const auto& [key, value] : b)
        if (!aMap.count(key)) diff.changes.push_back({key, "", value, isLive(key)});
    return diff;
}

bool ConfigDiff::appliesLive() const {
    for (const auto& c : changes)
        if (!c.live) return false;
    return true;
}

std::string ConfigDiff::describe() const {
    std::string out;
    for (const auto& c : changes) {
        out += c.key + ": " + (c.before.empty() ? "(absent)" : c.before) + " -> " +
               (c.after.empty() ? "(absent)" : c.after) + (c.live ? " (live)" : " (needs a restart)") + "\n";
    }
    return out;
}

}  // namespace safefarm::config
