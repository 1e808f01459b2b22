#include "module/StopDrain.h"

#include <algorithm>

namespace safefarm::module {

using std::chrono::nanoseconds;

void StopDrain::begin(nanoseconds now, nanoseconds nicestoptimeout) {
    deadline_ = now + nicestoptimeout;
    start_.reset();
    left_ = 0;
}

bool StopDrain::scanDue(nanoseconds now) const {
    return start_ && now >= nextCheck_ && now >= *start_ + timing_.drainGrace;
}

void StopDrain::scanning(nanoseconds now) { nextCheck_ = now + std::max(timing_.pulse, timing_.drainCheck); }

// Own flows in buckets that now drain to another node: what a graceful stop
// waits for. In steady state the filter does not touch a flow's last_seen
// (no lookup on that path), so a flow shows it is alive only by a packet
// after its bucket entered the transition. A flow counts while it carried a
// packet in the last flowIdle and saw no FIN or RST; the first drainGrace
// of the drain always counts as busy, so a slow client (a full receive
// window, a think time) has time to send one.
std::optional<uint32_t> StopDrain::flowsLeft(const std::vector<FlowEntry>& flows, const std::vector<farm_bucket>& table,
                                             uint8_t self, nanoseconds at) {
    if (!start_) return std::nullopt;
    auto t = static_cast<uint64_t>(at.count());
    auto start = static_cast<uint64_t>(start_->count());
    auto idle = static_cast<uint64_t>(timing_.flowIdle.count());
    if (at < *start_ + timing_.drainGrace) return left_ = 1;
    uint32_t n = 0;
    for (const auto& f : flows) {
        if (f.flow.kind != FARM_FLOW_OWN || f.flow.flags) continue;
        if (f.flow.bucket >= table.size()) continue;
        const auto& b = table[f.flow.bucket];
        if (!(b.flags & FARM_BUCKET_TRANSITION) || b.prev_owner != self) continue;
        if (f.flow.last_seen_ns < start || f.flow.last_seen_ns + idle < t) continue;
        n++;
    }
    return left_ = n;
}

}  // namespace safefarm::module
