// `safectl cluster genkey [PATH] [--force]`: writes a new cluster key, the
// secret that authenticates every heartbeat (HMAC-SHA256, DESIGN §4).
#pragma once

#include <cstddef>
#include <ostream>
#include <string>

namespace safefarm::safectl {

// 32 random bytes: the HMAC-SHA256 key size; membership::loadClusterKey
// accepts 16 to 1024 bytes of any content.
inline constexpr std::size_t kClusterKeyBytes = 32;

// Writes kClusterKeyBytes from getrandom(2) to `path`, mode 0600, owned by
// the caller, atomically: a temporary file in the same folder, fsync, then
// link(2) (refuses an existing key: EEXIST) or, with force, rename(2); then
// fsync of the folder. A reader sees the old key or the whole new one, never
// a partial file. Returns 0, or 1 with the reason on err.
int generateClusterKey(const std::string& path, bool force, std::ostream& out, std::ostream& err);

}  // namespace safefarm::safectl
