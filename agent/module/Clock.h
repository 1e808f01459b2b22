// The module's time and its one timer (the pulse), injected through
// ModuleDeps so that the lifecycle is tested on a fake clock
// (tests/support/FakeModuleClock.h) instead of sleeping. The time is
// CLOCK_MONOTONIC: the flows' last_seen_ns (the filter's bpf_ktime_get_ns)
// and the membership's leases are on it. SteadyClock is the real one.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace safefarm::module {

class Timer {
public:
    virtual ~Timer() = default;  // cancels
    // `fire` runs once, `after` from now, on the modules' thread, unless
    // cancelled first; starting again replaces what was pending.
    virtual void start(std::chrono::nanoseconds after, std::function<void()> fire) = 0;
    virtual void cancel() = 0;
};

class Clock {
public:
    virtual ~Clock() = default;
    virtual std::chrono::nanoseconds now() const = 0;
    virtual std::unique_ptr<Timer> timer() = 0;
};

}  // namespace safefarm::module
