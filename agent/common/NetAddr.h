// Parsing and printing of MAC and IP addresses, as the farm's structs store
// them (network byte order, IPv4 in the first word).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/Result.h"

namespace safefarm {

using Mac = std::array<uint8_t, 6>;

struct IpAddr {
    int family = 0;                   // AF_INET or AF_INET6
    std::array<uint32_t, 4> words{};  // network byte order; IPv4 in words[0]

    bool operator==(const IpAddr&) const = default;
};

Result<Mac> parseMac(std::string_view text);
std::string formatMac(const Mac& mac);
Result<IpAddr> parseIp(std::string_view text);
std::string formatIp(const IpAddr& addr);

// The default vMAC of DESIGN §1: 5a:fe followed by the IPv4 VIP's four bytes.
Mac defaultVmac(const IpAddr& vip);

}  // namespace safefarm
