// What the membership keeps on disk: the cluster key and the incarnation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/Result.h"

namespace safefarm::membership {

// The cluster key file: 16..1024 bytes, a regular file readable by its owner
// only (mode 0400 or 0600), as corosync's authkey. Refuses anything else.
Result<std::vector<uint8_t>> loadClusterKey(const std::string& path);

// Reads the incarnation stored at `path` (0 if the file does not exist),
// writes incarnation + 1 durably (temporary file, fsync, rename, fsync of the
// folder) and returns it. Called once at every start, before the first
// datagram, so a restarted node is never mistaken for its previous life and
// nothing captured from that life can be replayed.
Result<uint32_t> bumpIncarnation(const std::string& path);

}  // namespace safefarm::membership
