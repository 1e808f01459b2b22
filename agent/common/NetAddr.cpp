#include "common/NetAddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdio>
#include <cstring>

namespace safefarm {

Result<Mac> parseMac(std::string_view text) {
    Mac mac{};
    unsigned int b[6];
    char tail;
    std::string s(text);
    if (std::sscanf(s.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
        return badInput("'" + s + "' is not a MAC address (expected aa:bb:cc:dd:ee:ff)");
    for (int i = 0; i < 6; i++) mac[i] = static_cast<uint8_t>(b[i]);
    return mac;
}

std::string formatMac(const Mac& mac) {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    return buf;
}

Result<IpAddr> parseIp(std::string_view text) {
    std::string s(text);
    IpAddr addr;
    if (inet_pton(AF_INET, s.c_str(), addr.words.data()) == 1) {
        addr.family = AF_INET;
        return addr;
    }
    if (inet_pton(AF_INET6, s.c_str(), addr.words.data()) == 1) {
        addr.family = AF_INET6;
        return addr;
    }
    return badInput("'" + s + "' is not an IPv4 or IPv6 address");
}

std::string formatIp(const IpAddr& addr) {
    char buf[INET6_ADDRSTRLEN] = "";
    inet_ntop(addr.family, addr.words.data(), buf, sizeof buf);
    return buf;
}

Mac defaultVmac(const IpAddr& vip) {
    Mac mac{0x5a, 0xfe, 0, 0, 0, 0};
    std::memcpy(&mac[2], vip.words.data(), 4);
    return mac;
}

}  // namespace safefarm
