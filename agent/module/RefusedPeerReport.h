// What an operator is told about configured peers whose heartbeats this
// node refuses (issue 14; docs/design.md "Misconfigured peers"): another
// cluster key, wire version or bucket algorithm. The membership counts
// them and keeps this node from taking buckets next to them; this says so
// in the module log (SF_PEER_REFUSED, once per peer and period, and when
// the block begins and ends) and in the status (`safectl status`, the
// console, /metrics).
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "membership/Membership.h"
#include "module/FarmPlan.h"

namespace safefarm::module {

class RefusedPeerReport {
public:
    explicit RefusedPeerReport(std::chrono::nanoseconds period = std::chrono::minutes(1)) : period_(period) {}

    // The lines to log now, for module `module`.
    std::vector<std::string> update(const std::vector<membership::RefusedPeer>& peers, bool blocked,
                                    const FarmPlan& plan, const std::string& module, std::chrono::nanoseconds now);

    // "heartbeats fail authentication (another cluster.key?)", ...
    static std::string why(const membership::RefusedPeer& p);

private:
    std::chrono::nanoseconds period_;
    std::map<uint8_t, std::chrono::nanoseconds> told_;  // peer id -> when its line was written
    bool blocked_ = false;
};

}  // namespace safefarm::module
