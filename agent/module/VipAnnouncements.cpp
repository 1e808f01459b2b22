#include "module/VipAnnouncements.h"

#include "module/EpochBuilder.h"

#include <netinet/in.h>

#include <algorithm>

namespace safefarm::module {

using std::chrono::nanoseconds;

VipAnnouncements::VipAnnouncements(const FarmPlan& plan, const config::InterfaceConfig& intf, nanoseconds pulse,
                                   net::Announcer& announcer, const Logger& log)
    : plan_(plan),
      announcer_(announcer),
      log_(log),
      schedule_(intf.arpreroute, std::max<nanoseconds>(intf.arpinterval, pulse),
                std::max<nanoseconds>(intf.arpelapse, pulse)) {}

// Announcing is the designated node's job only, so a client never sees
// several answers at once (a switch that learnt the vMAC on one port would
// otherwise keep sending there). In vmac_directed the VIP is at each entry
// node's own MAC: announcing moves every client to the designated node, so
// only a member that left (whose clients send to a MAC nobody serves) is
// worth it; the ARP rule spreads them again as their caches expire.
void VipAnnouncements::onView(const membership::View& view, bool quorate, bool memberLeft, nanoseconds now) {
    if (plan_.mode == FARM_MODE_VMAC_DIRECTED && !memberLeft) return;
    // The designated node of the view (its lowest owning member), not of the
    // table in force: buckets held for a member that has not installed the
    // view yet still name their old owner, a node that may be gone, and
    // nobody announced (lab_farm_directed: every client left on a dead
    // node's MAC).
    uint8_t designated = FARM_NODE_NONE;
    for (const auto& b : viewBuckets(plan_, view, quorate))
        if (b.owner != FARM_NODE_NONE && b.owner < designated) designated = b.owner;
    if (designated == plan_.self)
        schedule_.trigger(now);
    else
        schedule_.cancel();
}

void VipAnnouncements::pulse(nanoseconds now, const Mac& mac) {
    if (!schedule_.due(now)) return;
    for (const auto& vip : plan_.vips) {
        auto r = vip.family == AF_INET ? announcer_.gratuitousArp(plan_.ifname, vip, mac)
                                       : announcer_.unsolicitedNa(plan_.ifname, vip, mac);
        if (!r) log_.warn(control::MessageId::SF_NET_ANNOUNCE, r.error().message());
    }
}

}  // namespace safefarm::module
