// The few cryptographic primitives the API needs, on OpenSSL: random
// tokens, SHA-256, hex, and a comparison whose time does not depend on
// where two secrets differ.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace safefarm::http {

// `bytes` bytes from the OS's CSPRNG, hex-encoded (2 * bytes characters).
// Throws std::runtime_error if OpenSSL has no entropy: nothing safe to do then.
std::string randomHex(std::size_t bytes);

std::string toHex(std::string_view bytes);
std::optional<std::string> fromHex(std::string_view hex);

// Hex SHA-256, for secrets that are already random (API keys, session ids):
// a slow hash only matters for what a human chose.
std::string sha256Hex(std::string_view data);

bool constantTimeEqual(std::string_view a, std::string_view b);

}  // namespace safefarm::http
