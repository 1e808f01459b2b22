// When to announce the VIPs: SafeKit's <interface arpreroute arpinterval
// arpelapse>. With arpreroute on, each trigger (the VIP configured, a view
// change) announces at once, then every arpinterval until arpelapse has
// passed, so clients and routers that missed one re-learn anyway. A new
// trigger restarts the series. Pure: the caller passes the monotonic time.
#pragma once

#include <chrono>
#include <optional>

namespace safefarm::net {

class AnnounceSchedule {
public:
    using Nanos = std::chrono::nanoseconds;

    // arpreroute off: triggers are ignored, nothing is ever due. An interval
    // of 0 (or an elapse shorter than it) announces once per trigger.
    AnnounceSchedule(bool arpreroute, Nanos arpinterval, Nanos arpelapse);

    void trigger(Nanos now);
    // The series ends now (another node announces from here on).
    void cancel() { next_.reset(); }
    // True once for each announcement due at or before now. Announcements
    // missed while the caller slept are not made up in a burst: one is made,
    // the next one keeps its place in the series.
    bool due(Nanos now);
    // When the next announcement is due; nullopt when none is.
    std::optional<Nanos> nextWakeup() const { return next_; }

private:
    bool enabled_;
    Nanos interval_, elapse_;
    Nanos start_{0};
    std::optional<Nanos> next_;
};

}  // namespace safefarm::net
