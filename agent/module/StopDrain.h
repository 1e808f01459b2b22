// A graceful stop's drain (DESIGN §5): the node announces Draining, the next
// view moves its buckets to the others in transition, and it keeps serving
// the flows it holds in them until none is left or nicestoptimeout is over.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "dataplane/DataPath.h"
#include "module/ModuleTiming.h"

namespace safefarm::module {

class StopDrain {
public:
    explicit StopDrain(const ModuleTiming& timing) : timing_(timing) {}

    void begin(std::chrono::nanoseconds now, std::chrono::nanoseconds nicestoptimeout);
    // The view that moves this node's buckets away is in force: the drain
    // counts from the first pulse that sees it.
    void moved(std::chrono::nanoseconds now) {
        if (!start_) start_ = now;
    }
    bool overdue(std::chrono::nanoseconds now) const { return now >= deadline_; }
    // The flow table is due for a scan: every drainCheck once drainGrace is
    // over (before, every flow counts as busy: no scan is needed).
    bool scanDue(std::chrono::nanoseconds now) const;
    void scanning(std::chrono::nanoseconds now);
    // The flows left, as a scan begun at `at` read the table; nullopt while
    // the drain does not count yet.
    std::optional<uint32_t> flowsLeft(const std::vector<FlowEntry>& flows, const std::vector<farm_bucket>& table,
                                      uint8_t self, std::chrono::nanoseconds at);
    uint32_t left() const { return left_; }  // at the last scan

private:
    const ModuleTiming& timing_;
    std::chrono::nanoseconds deadline_{0};           // nicestoptimeout
    std::optional<std::chrono::nanoseconds> start_;  // CLOCK_MONOTONIC, as the flows' last_seen_ns
    std::chrono::nanoseconds nextCheck_{0};
    uint32_t left_ = 0;
};

}  // namespace safefarm::module
