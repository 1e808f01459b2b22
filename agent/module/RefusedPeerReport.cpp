#include "module/RefusedPeerReport.h"

#include "buckets/BucketTable.h"
#include "common/NetAddr.h"
#include "membership/Message.h"

namespace safefarm::module {

namespace {

std::string nameOf(const FarmPlan& plan, uint8_t id) {
    const auto* n = plan.node(id);
    if (!n) return "node " + std::to_string(id);
    return n->lanAddrs.empty() ? n->name : n->name + " (" + formatIp(n->lanAddrs.front()) + ")";
}

}  // namespace

std::string RefusedPeerReport::why(const membership::RefusedPeer& p) {
    switch (p.reason) {
        case membership::Refusal::Key: return "its heartbeats fail authentication (another cluster.key?)";
        case membership::Refusal::WireVersion:
            return "it speaks wire version " + std::to_string(p.versionSeen) + ", this node " +
                   std::to_string(membership::kWireVersion);
        case membership::Refusal::BucketAlgorithm:
            return "it computes buckets with algorithm " + std::to_string(p.versionSeen) + " over " +
                   std::to_string(p.bucketsSeen) + " buckets, this node with algorithm " +
                   std::to_string(kBucketAlgorithmVersion);
    }
    return "refused";
}

std::vector<std::string> RefusedPeerReport::update(const std::vector<membership::RefusedPeer>& peers, bool blocked,
                                                   const FarmPlan& plan, const std::string& module,
                                                   std::chrono::nanoseconds now) {
    std::vector<std::string> lines;
    for (const auto& p : peers) {
        if (!p.current) continue;
        auto it = told_.find(p.id);
        if (it != told_.end() && now - it->second < period_) continue;
        told_[p.id] = now;
        lines.push_back(module + ": " + nameOf(plan, p.id) + " is refused: " + why(p) + "; " + std::to_string(p.count) +
                        " datagrams refused since safed started");
    }
    if (blocked != blocked_) {
        blocked_ = blocked;
        lines.push_back(module + (blocked ? ": takes no bucket: it hears at least as many refused peers as peers "
                                            "it can authenticate (itself included); fix their configuration"
                                          : ": no refused peer is heard any more: this node may take buckets again"));
    }
    return lines;
}

}  // namespace safefarm::module
