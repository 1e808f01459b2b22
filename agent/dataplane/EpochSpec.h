// What the data path enforces during one epoch: the agent's description of
// one half of the double buffer (bpf/farm_abi.h), validated before it is
// written so a bad value never reaches the kernel.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/NetAddr.h"
#include "common/Result.h"
#include "farm_abi.h"

namespace safefarm {

struct FarmRule {
    std::optional<uint8_t> vip;  // index into EpochSpec::vips; nullopt = every VIP
    uint8_t proto = 6;           // IPPROTO_TCP, IPPROTO_UDP
    uint16_t port = 0;           // service port, host order; 0 = every port
    farm_filter_kind filter = FARM_FILTER_ON_ADDR;
};

struct FarmPeer {
    uint8_t id = 0;
    Mac mac{};
};

struct EpochSpec {
    uint64_t epoch = 0;  // > 0, increasing
    farm_mode mode = FARM_MODE_VMAC_INVISIBLE;
    uint8_t myId = 0;
    uint8_t designated = FARM_NODE_NONE;
    Mac vmac{};
    Mac myMac{};
    std::array<uint64_t, 2> hashKey{};
    std::vector<IpAddr> vips;
    std::vector<FarmRule> rules;
    std::optional<farm_filter_kind> arpFilter;  // vmac_directed: ARP/NS answered by the hash owner
    std::vector<FarmPeer> peers;                // every member, this node included
    std::vector<farm_bucket> buckets;           // exactly FARM_BUCKETS entries
};

// Checks the spec and turns it into the kernel struct; errors say which field.
Result<farm_epoch> encodeEpoch(const EpochSpec& spec);

}  // namespace safefarm
