// A module::Clock whose time moves only when the test says: advance() runs
// the timers due on the way, each at its own time, in order; jump() moves
// time without running anything (a stall: SIGSTOP, a frozen VM). The module
// lifecycle is tested on it without sleeping.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>

#include "module/Clock.h"

namespace safefarm::test {

class FakeModuleClock : public module::Clock {
public:
    // Not 0: some of the module's times use 0 for "none".
    explicit FakeModuleClock(std::chrono::nanoseconds start = std::chrono::hours(1)) : now_(start) {}

    std::chrono::nanoseconds now() const override { return now_; }
    std::unique_ptr<module::Timer> timer() override { return std::make_unique<FakeTimer>(*this); }

    // Time moves on by d; each timer due meanwhile fires at its time, and
    // `between` runs after each (the test's io_context, polled).
    void advance(std::chrono::nanoseconds d, const std::function<void()>& between = {}) {
        auto end = now_ + d;
        while (auto* t = nextDue(end)) {
            now_ = std::max(now_, *t->due_);
            t->due_.reset();
            auto fire = std::move(t->fire_);
            fire();
            if (between) between();
        }
        now_ = end;
    }
    void jump(std::chrono::nanoseconds d) { now_ += d; }

private:
    class FakeTimer : public module::Timer {
    public:
        explicit FakeTimer(FakeModuleClock& clock) : clock_(clock) { clock_.timers_.insert(this); }
        ~FakeTimer() override { clock_.timers_.erase(this); }
        void start(std::chrono::nanoseconds after, std::function<void()> fire) override {
            due_ = clock_.now_ + after;
            seq_ = clock_.seq_++;
            fire_ = std::move(fire);
        }
        void cancel() override {
            due_.reset();
            fire_ = nullptr;
        }

        FakeModuleClock& clock_;
        std::optional<std::chrono::nanoseconds> due_;
        uint64_t seq_ = 0;
        std::function<void()> fire_;
    };

    // The timer due first (the first started among equals), if by `end`.
    FakeTimer* nextDue(std::chrono::nanoseconds end) const {
        FakeTimer* first = nullptr;
        for (auto* t : timers_)
            if (t->due_ && *t->due_ <= end &&
                (!first || *t->due_ < *first->due_ || (*t->due_ == *first->due_ && t->seq_ < first->seq_)))
                first = t;
        return first;
    }

    std::chrono::nanoseconds now_;
    uint64_t seq_ = 0;
    std::set<FakeTimer*> timers_;
};

}  // namespace safefarm::test
