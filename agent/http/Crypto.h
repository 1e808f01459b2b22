// The few cryptographic primitives the API needs, on OpenSSL: random
// tokens, SHA-256, hex, and a comparison whose time does not depend on
// where two secrets differ.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/Result.h"

namespace safefarm::http {

// `bytes` bytes from the OS's CSPRNG, hex-encoded (2 * bytes characters);
// an error if OpenSSL has no entropy (nothing safe to hand out then).
Result<std::string> randomHex(std::size_t bytes);

std::string toHex(std::string_view bytes);
std::optional<std::string> fromHex(std::string_view hex);

// Hex SHA-256, for secrets that are already random (API keys, session ids):
// a slow hash only matters for what a human chose. OpenSSL fails here only
// when memory does: std::bad_alloc then, as from any allocation (README.md
// "Errors").
std::string sha256Hex(std::string_view data);

bool constantTimeEqual(std::string_view a, std::string_view b);

}  // namespace safefarm::http
