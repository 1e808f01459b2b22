#include "safed/BucketMap.h"

#include <openssl/evp.h>

#include <string>

namespace safefarm::safed {

namespace {

std::string base64(const std::vector<unsigned char>& bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3), '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(), static_cast<int>(bytes.size()));
    out.resize(static_cast<size_t>(n));
    return out;
}

}  // namespace

nlohmann::json bucketMap(const std::vector<farm_bucket>& table) {
    std::vector<unsigned char> owners(table.size()), previous(table.size(), FARM_NODE_NONE);
    size_t moving = 0;
    for (size_t b = 0; b < table.size(); b++) {
        owners[b] = table[b].owner;
        if (table[b].flags & FARM_BUCKET_TRANSITION) {
            previous[b] = table[b].prev_owner;
            moving++;
        }
    }
    return {{"buckets", table.size()}, {"owners", base64(owners)}, {"previous", base64(previous)}, {"moving", moving}};
}

}  // namespace safefarm::safed
