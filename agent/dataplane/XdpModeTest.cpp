#include "dataplane/XdpMode.h"

#include <gtest/gtest.h>

namespace safefarm {
namespace {

TEST(XdpModeTest, NamesRoundTripAndNothingElseParses) {
    for (auto mode : {XdpMode::Auto, XdpMode::Native, XdpMode::Skb}) EXPECT_EQ(parseXdpMode(xdpModeName(mode)), mode);
    EXPECT_EQ(xdpModeName(XdpMode::Skb), "skb");
    EXPECT_FALSE(parseXdpMode("SKB"));
    EXPECT_FALSE(parseXdpMode("generic"));
    EXPECT_FALSE(parseXdpMode(""));
    std::string choices;
    for (auto n : kXdpModeNames) choices += (choices.empty() ? "" : "|") + std::string(n);
    EXPECT_EQ(choices, kXdpModeChoices);
}

TEST(XdpModeTest, TheNodesOptionWinsUnlessItIsAuto) {
    EXPECT_EQ(chooseXdpMode(XdpMode::Auto, XdpMode::Skb), XdpMode::Skb);
    EXPECT_EQ(chooseXdpMode(XdpMode::Native, XdpMode::Skb), XdpMode::Native);
    EXPECT_EQ(chooseXdpMode(XdpMode::Auto, XdpMode::Auto), XdpMode::Auto);
}

}  // namespace
}  // namespace safefarm
