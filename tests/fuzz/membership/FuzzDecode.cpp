// libFuzzer target for the membership wire format (agent/membership/Message).
// The first input byte picks the mode:
//   even: the rest is a datagram as received (decode must reject or accept
//         without reading out of bounds; nothing is forgeable without the key);
//   odd:  the rest is header + body, sealed here with a valid HMAC, so the
//         fuzzer reaches the field checks behind the MAC.
// Whatever decodes must re-encode to the very same bytes (one encoding per
// message: nothing unchecked slips through).
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "membership/Message.h"

using namespace safefarm;
using namespace safefarm::membership;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const Hmac mac = Hmac::create(std::vector<uint8_t>(32, 0x5a)).value();
    if (size == 0) return 0;
    std::vector<uint8_t> bytes(data + 1, data + size);
    if (data[0] & 1) {
        auto tag = mac.sign(bytes);
        bytes.insert(bytes.end(), tag.begin(), tag.end());
    }
    Decoded d = decode(bytes, mac);
    if (d.ok && encode(d.message, mac) != bytes) std::abort();
    return 0;
}
