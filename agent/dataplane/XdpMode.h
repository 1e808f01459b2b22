// How the XDP program is attached, and the one parser of its names: the
// module's <interface xdp_mode> (config/Vocabulary.cpp), safed's and
// safefarm-filter's --xdp-mode.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace safefarm {

// Auto: native first, skb (generic XDP) where the driver has no native XDP.
enum class XdpMode { Auto, Native, Skb };

inline constexpr std::array<std::string_view, 3> kXdpModeNames = {"auto", "native", "skb"};  // in enum order
inline constexpr std::string_view kXdpModeChoices = "auto|native|skb";

constexpr std::string_view xdpModeName(XdpMode mode) { return kXdpModeNames[static_cast<std::size_t>(mode)]; }

constexpr std::optional<XdpMode> parseXdpMode(std::string_view name) {
    for (std::size_t i = 0; i < kXdpModeNames.size(); ++i)
        if (kXdpModeNames[i] == name) return static_cast<XdpMode>(i);
    return std::nullopt;
}

// A node's --xdp-mode other than auto (its NIC's driver) wins over the
// module's xdp_mode, which is the same on every node.
constexpr XdpMode chooseXdpMode(XdpMode node, XdpMode module) { return node != XdpMode::Auto ? node : module; }

}  // namespace safefarm
