// The bucket hash key every node of a farm must share (the filter's
// farm_epoch.hash_key): derived from the cluster key, so it needs no message
// and changes when the cluster key is rotated. A separate derivation per
// module keeps modules independent.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "common/Result.h"

namespace safefarm::module {

Result<std::array<uint64_t, 2>> bucketHashKey(std::span<const uint8_t> clusterKey, const std::string& module);

}  // namespace safefarm::module
