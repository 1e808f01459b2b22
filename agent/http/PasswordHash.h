// Passwords are stored as a slow salted hash, PBKDF2-HMAC-SHA256, in one
// self-describing string (as Django and passlib do), so the iteration count
// can be raised later without invalidating the hashes already written:
//
//   pbkdf2-sha256$<iterations>$<salt, hex>$<derived key, hex>
#pragma once

#include <string>
#include <string_view>

#include "common/Result.h"

namespace safefarm::http {

// OWASP's 2023 figure for PBKDF2-HMAC-SHA256: about a quarter of a second
// per try here, which is why safed verifies off its io_context thread.
inline constexpr unsigned kDefaultPbkdf2Iterations = 600000;
// Below this a stored hash is refused: it would be cheap to brute-force.
// (Tests write hashes with this many to stay fast.)
inline constexpr unsigned kMinPbkdf2Iterations = 1000;

// An error when OpenSSL has no random salt or cannot derive.
Result<std::string> hashPassword(std::string_view password, unsigned iterations = kDefaultPbkdf2Iterations);

// False for a wrong password; an Error for a hash we cannot read (or OpenSSL failing).
Result<bool> verifyPassword(std::string_view password, std::string_view encoded);

// Checks the shape only (for loading a users file without the cost of a hash).
Result<void> checkPasswordHash(std::string_view encoded);

}  // namespace safefarm::http
