// Time values of the configuration: an integer with a unit (us ms s m h d),
// or a bare integer in the unit SafeKit used for that attribute.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace safefarm::config {

using Duration = std::chrono::microseconds;

// "100ms" -> 100000us; "7" with bareUnit "s" -> 7 s. std::nullopt when the
// text is not a non-negative integer followed by an optional known unit, or
// overflows.
std::optional<Duration> parseDuration(std::string_view text, std::string_view bareUnit);

// The shortest exact form: 100ms, 10s, 24h, 1500us.
std::string formatDuration(Duration d);

}  // namespace safefarm::config
