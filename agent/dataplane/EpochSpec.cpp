#include "dataplane/EpochSpec.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace safefarm {

Result<farm_epoch> encodeEpoch(const EpochSpec& spec) {
    farm_epoch ep{};
    if (spec.epoch == 0) return badInput("epoch must be > 0 (0 means 'nothing installed')");
    if (spec.myId >= FARM_MAX_NODES)
        return badInput("node id " + std::to_string(spec.myId) + " out of range 0.." +
                        std::to_string(FARM_MAX_NODES - 1));
    if (spec.mode != FARM_MODE_VMAC_INVISIBLE && spec.mode != FARM_MODE_VMAC_DIRECTED)
        return badInput("unknown delivery mode " + std::to_string(spec.mode));
    if (spec.vips.empty()) return badInput("no VIP");
    if (spec.vips.size() > FARM_MAX_VIPS)
        return badInput(std::to_string(spec.vips.size()) + " VIPs, at most " + std::to_string(FARM_MAX_VIPS));
    if (spec.rules.size() > FARM_MAX_RULES)
        return badInput(std::to_string(spec.rules.size()) + " rules, at most " + std::to_string(FARM_MAX_RULES));
    if (spec.buckets.size() != FARM_BUCKETS)
        return badInput("bucket table has " + std::to_string(spec.buckets.size()) + " entries, expected " +
                        std::to_string(FARM_BUCKETS));
    if (spec.mode == FARM_MODE_VMAC_INVISIBLE && spec.arpFilter)
        return badInput("an ARP rule (arp filter) needs vmac_directed");
    if (spec.arpFilter && *spec.arpFilter != FARM_FILTER_ON_ADDR)
        return badInput("ARP rules hash on the requester's address only (on_addr)");

    ep.epoch = spec.epoch;
    ep.mode = static_cast<uint8_t>(spec.mode);
    ep.my_id = spec.myId;
    ep.designated = spec.designated;
    ep.arp_filter = spec.arpFilter ? static_cast<uint8_t>(*spec.arpFilter) : 0xff;
    std::memcpy(ep.vmac, spec.vmac.data(), 6);
    std::memcpy(ep.my_mac, spec.myMac.data(), 6);
    ep.hash_key[0] = spec.hashKey[0];
    ep.hash_key[1] = spec.hashKey[1];

    for (size_t i = 0; i < spec.vips.size(); i++) {
        const IpAddr& v = spec.vips[i];
        if (v.family != AF_INET && v.family != AF_INET6)
            return badInput("VIP " + std::to_string(i) + " has no address family");
        ep.vips[i].family = static_cast<uint8_t>(v.family);
        std::memcpy(ep.vips[i].addr, v.words.data(), 16);
    }
    ep.nr_vips = static_cast<uint8_t>(spec.vips.size());

    for (size_t i = 0; i < spec.rules.size(); i++) {
        const FarmRule& r = spec.rules[i];
        std::string where = "rule " + std::to_string(i) + ": ";
        if (r.proto != IPPROTO_TCP && r.proto != IPPROTO_UDP)
            return badInput(where + "protocol must be tcp or udp (arp rules: arpFilter)");
        if (r.vip && *r.vip >= spec.vips.size())
            return badInput(where + "VIP index " + std::to_string(*r.vip) + " out of range");
        if (r.filter != FARM_FILTER_ON_ADDR && r.filter != FARM_FILTER_ON_PORT && r.filter != FARM_FILTER_ON_IPID)
            return badInput(where + "unknown filter " + std::to_string(r.filter));
        ep.rules[i].vip = r.vip ? *r.vip : FARM_ANY_VIP;
        ep.rules[i].proto = r.proto;
        ep.rules[i].filter = static_cast<uint8_t>(r.filter);
        ep.rules[i].port = htons(r.port);
    }
    ep.nr_rules = static_cast<uint8_t>(spec.rules.size());

    bool me = false;
    for (const FarmPeer& p : spec.peers) {
        if (p.id >= FARM_MAX_NODES) return badInput("peer id " + std::to_string(p.id) + " out of range");
        if (ep.peers[p.id].valid) return badInput("peer id " + std::to_string(p.id) + " listed twice");
        std::memcpy(ep.peers[p.id].mac, p.mac.data(), 6);
        ep.peers[p.id].valid = 1;
        me |= p.id == spec.myId;
    }
    if (!me) return badInput("this node (id " + std::to_string(spec.myId) + ") is not among the peers");
    auto known = [&](uint8_t id) { return id == FARM_NODE_NONE || (id < FARM_MAX_NODES && ep.peers[id].valid); };
    if (!known(spec.designated))
        return badInput("designated node " + std::to_string(spec.designated) + " is not a peer");
    for (size_t b = 0; b < spec.buckets.size(); b++) {
        const farm_bucket& bk = spec.buckets[b];
        if (!known(bk.owner) || ((bk.flags & FARM_BUCKET_TRANSITION) && !known(bk.prev_owner)))
            return badInput("bucket " + std::to_string(b) + " is owned by an unknown node");
    }
    return ep;
}

}  // namespace safefarm
