// arpreroute (SafeKit's <interface arpreroute arpinterval arpelapse>): after
// every view change the designated node tells the switch and the clients
// where the VIPs are, at once and then every arpinterval for arpelapse
// (net::AnnounceSchedule), by gratuitous ARPs and unsolicited NAs.
#pragma once

#include <chrono>

#include "config/ModuleConfig.h"
#include "membership/View.h"
#include "module/FarmPlan.h"
#include "module/Logger.h"
#include "net/AnnounceSchedule.h"
#include "net/Announcer.h"

namespace safefarm::module {

class VipAnnouncements {
public:
    // Intervals and elapses shorter than a pulse are a pulse: the pulse is
    // when announcements are made.
    VipAnnouncements(const FarmPlan& plan, const config::InterfaceConfig& intf, std::chrono::nanoseconds pulse,
                     net::Announcer& announcer, const Logger& log);

    // `memberLeft`: a member of the previous view is not in this one.
    void onView(const membership::View& view, bool quorate, bool memberLeft, std::chrono::nanoseconds now);
    // Every pulse: the announcements due, at `mac`.
    void pulse(std::chrono::nanoseconds now, const Mac& mac);
    void stop() { schedule_.cancel(); }

private:
    const FarmPlan& plan_;
    net::Announcer& announcer_;
    const Logger& log_;
    net::AnnounceSchedule schedule_;
};

}  // namespace safefarm::module
