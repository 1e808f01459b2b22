#include "module/HashKey.h"

#include <cstring>

#include "common/Hmac.h"

namespace safefarm::module {

Result<std::array<uint64_t, 2>> bucketHashKey(std::span<const uint8_t> clusterKey, const std::string& module) {
    auto mac = Hmac::create(clusterKey);
    if (!mac) return mac.error();
    std::string label = "safefarm bucket hash v1\n" + module;
    auto tag = mac->sign(std::span(reinterpret_cast<const uint8_t*>(label.data()), label.size()));
    std::array<uint64_t, 2> key{};
    std::memcpy(key.data(), tag.data(), sizeof key);
    return key;
}

}  // namespace safefarm::module
