// Time as the API sees it: injected, so tests expire sessions and lift
// login back-offs without sleeping.
#pragma once

#include <chrono>
#include <functional>

namespace safefarm::http {

using TimePoint = std::chrono::steady_clock::time_point;
using Clock = std::function<TimePoint()>;

inline TimePoint steadyNow() { return std::chrono::steady_clock::now(); }

}  // namespace safefarm::http
