// Where safed listens for safectl, and the limits both ends agree on.
#pragma once

#include <cstddef>

namespace safefarm::control {

inline constexpr const char* kDefaultSocketPath = "/run/safefarm/safed.sock";
// One request is one line; a longer one is refused, not buffered forever.
inline constexpr std::size_t kMaxRequestBytes = 1024 * 1024;
// Replies carry status tables and log paths, never bulk data.
inline constexpr std::size_t kMaxReplyBytes = 16 * 1024 * 1024;

}  // namespace safefarm::control
