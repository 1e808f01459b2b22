// The Prometheus text exposition format (version 0.0.4) of a metrics
// snapshot: one HELP and TYPE line per family, then its samples.
#pragma once

#include <string>
#include <string_view>

#include "http/MetricsSource.h"

namespace safefarm::http {

inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string formatPrometheus(const MetricsSnapshot& snapshot);

// A label value with \, " and newline escaped, as the format requires.
std::string escapeLabelValue(std::string_view value);

}  // namespace safefarm::http
