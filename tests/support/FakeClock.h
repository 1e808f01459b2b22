// A clock a test moves by hand (`t.now += 10s`), handed to the code under
// test as the std::function it takes (`t.clock()`): sessions expire and
// back-offs lift without sleeping. The one copy the suites share.
#pragma once

#include <chrono>
#include <functional>

namespace safefarm::test {

template <class C = std::chrono::steady_clock>
struct FakeClock {
    using TimePoint = typename C::time_point;

    TimePoint now = TimePoint(std::chrono::hours(1000));
    // Reads `now` at each call: keep the FakeClock alive as long as its clock().
    std::function<TimePoint()> clock() {
        return [this] { return now; };
    }
};

}  // namespace safefarm::test
