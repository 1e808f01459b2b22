#include "net/AnnounceSchedule.h"

namespace safefarm::net {

AnnounceSchedule::AnnounceSchedule(bool arpreroute, Nanos arpinterval, Nanos arpelapse)
    : enabled_(arpreroute), interval_(arpinterval), elapse_(arpelapse) {}

void AnnounceSchedule::trigger(Nanos now) {
    if (!enabled_) return;
    start_ = now;
    next_ = now;
}

bool AnnounceSchedule::due(Nanos now) {
    if (!next_ || now < *next_) return false;
    if (interval_ <= Nanos::zero()) {
        next_.reset();
        return true;
    }
    // The first point of the series after now: k intervals from the start.
    auto k = (now - start_) / interval_ + 1;
    Nanos following = start_ + k * interval_;
    if (following - start_ > elapse_)
        next_.reset();
    else
        next_ = following;
    return true;
}

}  // namespace safefarm::net
