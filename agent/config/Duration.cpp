#include "config/Duration.h"

#include <array>
#include <cstdint>
#include <limits>
#include <utility>

namespace safefarm::config {

namespace {

// Longest unit first for formatting; every suffix for parsing.
constexpr std::array<std::pair<std::string_view, int64_t>, 6> kUnits{{
    {"d", 86'400'000'000LL},
    {"h", 3'600'000'000LL},
    {"m", 60'000'000LL},
    {"s", 1'000'000LL},
    {"ms", 1'000LL},
    {"us", 1LL},
}};

std::optional<int64_t> unitMicros(std::string_view unit) {
    for (const auto& [name, us] : kUnits)
        if (name == unit) return us;
    return std::nullopt;
}

}  // namespace

std::optional<Duration> parseDuration(std::string_view text, std::string_view bareUnit) {
    size_t i = 0;
    int64_t value = 0;
    if (text.empty() || text[0] < '0' || text[0] > '9') return std::nullopt;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; i++) {
        if (value > (std::numeric_limits<int64_t>::max() - 9) / 10) return std::nullopt;
        value = value * 10 + (text[i] - '0');
    }
    std::string_view unit = text.substr(i);
    auto us = unitMicros(unit.empty() ? bareUnit : unit);
    if (!us) return std::nullopt;
    if (value != 0 && *us > std::numeric_limits<int64_t>::max() / value) return std::nullopt;
    return Duration(value * *us);
}

std::string formatDuration(Duration d) {
    int64_t us = d.count();
    if (us == 0) return "0s";
    for (const auto& [name, unit] : kUnits)
        if (us % unit == 0) return std::to_string(us / unit) + std::string(name);
    return std::to_string(us) + "us";
}

}  // namespace safefarm::config
