#include "membership/ReplayWindow.h"

namespace safefarm::membership {

Freshness ReplayWindow::check(uint32_t incarnation, uint64_t seq) const {
    if (!known_ || incarnation > incarnation_) return Freshness::Fresh;
    if (incarnation < incarnation_) return Freshness::Stale;
    if (seq > highest_) return Freshness::Fresh;
    uint64_t behind = highest_ - seq;
    if (behind >= kSize) return Freshness::Stale;
    return (bitmap_ >> behind) & 1 ? Freshness::Replayed : Freshness::Fresh;
}

void ReplayWindow::accept(uint32_t incarnation, uint64_t seq) {
    if (!known_ || incarnation > incarnation_) {
        known_ = true;
        incarnation_ = incarnation;
        highest_ = seq;
        bitmap_ = 1;
        return;
    }
    if (seq > highest_) {
        uint64_t shift = seq - highest_;
        bitmap_ = shift >= kSize ? 1 : (bitmap_ << shift) | 1;
        highest_ = seq;
    } else {
        bitmap_ |= uint64_t{1} << (highest_ - seq);
    }
}

}  // namespace safefarm::membership
