// The bucket table for the console's live map (`buckets`): one byte per
// bucket, base64, so 16384 buckets are 22 KB of JSON, not 300.
#pragma once

#include <nlohmann/json.hpp>

#include <vector>

#include "farm_abi.h"

namespace safefarm::safed {

// {"buckets": N, "owners": base64 of N owner ids, "previous": base64 of N
// previous owners (FARM_NODE_NONE, 255, when the bucket is not moving),
// "moving": how many move}
nlohmann::json bucketMap(const std::vector<farm_bucket>& table);

}  // namespace safefarm::safed
