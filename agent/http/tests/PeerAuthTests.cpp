// Signing calls between nodes: what a verifier accepts and everything it
// refuses (tampering, another key, another node, another connection,
// replays, stale times).
#include <gtest/gtest.h>

#include "http/PeerAuth.h"

namespace safefarm::http::test {
namespace {

using namespace std::chrono_literals;

Hmac key(uint8_t fill) { return Hmac::create(std::vector<uint8_t>(32, fill)).value(); }

// Two connections' channelBinding(): what both ends of each computed.
const std::string kChannel(64, 'a');
const std::string kOtherChannel(64, 'b');

struct Signed {
    PeerClaims claims;
    std::string header;
};

class PeerAuthTest : public ::testing::Test {
protected:
    std::chrono::system_clock::time_point now_ = std::chrono::system_clock::time_point(1764383000s);
    WallClock clock_ = [this] { return now_; };
    PeerAuth n1_{key(7), clock_};
    PeerAuth n2_{key(7), clock_};

    Signed sign(const std::string& to = "n2", Role role = Role::Control, const std::string& body = "{}") {
        Signed s;
        s.claims.from = "n1";
        s.claims.to = to;
        s.claims.user = "ctl";
        s.claims.role = role;
        s.header = n1_.sign(s.claims, "POST /api/v1/peer/commands/stop", body, kChannel).value();
        return s;
    }
};

TEST_F(PeerAuthTest, ASignedCallIsAcceptedWithItsClaims) {
    auto s = sign();
    EXPECT_TRUE(s.header.starts_with("v2;from=n1;to=n2;user=ctl;role=control;t=1764383000;nonce=")) << s.header;
    auto c = n2_.verify(s.header, "n2", "POST /api/v1/peer/commands/stop", "{}", kChannel);
    ASSERT_TRUE(c.ok()) << c.error().message();
    EXPECT_EQ(c.value().from, "n1");
    EXPECT_EQ(c.value().user, "ctl");
    EXPECT_EQ(c.value().role, Role::Control);
    EXPECT_EQ(c.value().nonce, s.claims.nonce);
}

TEST_F(PeerAuthTest, TamperingWithAnyPartIsRefused) {
    auto s = sign();
    EXPECT_FALSE(n2_.verify(s.header, "n2", "POST /api/v1/peer/commands/stop", R"({"module":"x"})", kChannel).ok());
    EXPECT_FALSE(n2_.verify(s.header, "n2", "POST /api/v1/peer/commands/start", "{}", kChannel).ok());
    std::string admin = s.header;
    admin.replace(admin.find("role=control"), 12, "role=admin");
    auto r = n2_.verify(admin, "n2", "POST /api/v1/peer/commands/stop", "{}", kChannel);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("bad signature"), std::string::npos) << r.error().message();
}

TEST_F(PeerAuthTest, AnotherClustersKeyIsRefused) {
    PeerAuth stranger(key(9), clock_);
    PeerClaims c{"n1", "n2", "adm", Role::Admin, 0, ""};
    auto h = stranger.sign(c, "POST /x", "", kChannel).value();
    auto r = n2_.verify(h, "n2", "POST /x", "", kChannel);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("not signed with this cluster's key"), std::string::npos);
}

TEST_F(PeerAuthTest, ACallIsAcceptedOnceAndOnlyByTheNodeNamed) {
    auto s = sign("n3");
    auto other = n2_.verify(s.header, "n2", "POST /api/v1/peer/commands/stop", "{}", kChannel);
    ASSERT_FALSE(other.ok());
    EXPECT_NE(other.error().message().find("meant for n3"), std::string::npos);
    auto s2 = sign();
    EXPECT_TRUE(n2_.verify(s2.header, "n2", "POST /api/v1/peer/commands/stop", "{}", kChannel).ok());
    auto again = n2_.verify(s2.header, "n2", "POST /api/v1/peer/commands/stop", "{}", kChannel);
    ASSERT_FALSE(again.ok());
    EXPECT_NE(again.error().message().find("replayed"), std::string::npos);
}

TEST_F(PeerAuthTest, TimesOutsideTheWindowAreRefusedAndForgottenNoncesStayRefused) {
    auto s = sign();
    now_ += 61s;
    auto late = n2_.verify(s.header, "n2", "POST /api/v1/peer/commands/stop", "{}", kChannel);
    ASSERT_FALSE(late.ok());
    EXPECT_NE(late.error().message().find("signed 61 s ago"), std::string::npos) << late.error().message();
    now_ -= 122s;
    auto early = n2_.verify(s.header, "n2", "POST /api/v1/peer/commands/stop", "{}", kChannel);
    ASSERT_FALSE(early.ok());
    EXPECT_NE(early.error().message().find("61 s ahead of our clock"), std::string::npos) << early.error().message();
    // Accepted, then the window passes: its nonce is forgotten, its time is not.
    now_ += 61s;
    auto s2 = sign();
    EXPECT_TRUE(n2_.verify(s2.header, "n2", "POST /api/v1/peer/commands/stop", "{}", kChannel).ok());
    now_ += 120s;
    EXPECT_FALSE(n2_.verify(s2.header, "n2", "POST /api/v1/peer/commands/stop", "{}", kChannel).ok());
}

TEST_F(PeerAuthTest, MalformedHeadersAreRefused) {
    for (const char* h :
         {"", "v3;from=n1", "v2;from=n1", "v2;from=n1;to=n2",
          "v2;from=n1;from=n1;to=n2;user=u;role=admin;t=1;nonce=a;sig=b",
          "v2;from=n 1;to=n2;user=u;role=admin;t=1;nonce=00000000000000000000000000000000;sig=b",
          "v2;from=n1;to=n2;user=u;role=root;t=1;nonce=00000000000000000000000000000000;sig=b",
          "v2;from=n1;to=n2;user=u;role=admin;t=1x;nonce=00000000000000000000000000000000;sig=b",
          "v2;from=n1;to=n2;user=u;role=admin;t=;nonce=00000000000000000000000000000000;sig=b",
          "v2;from=n1;to=n2;user=u;role=admin;t=99999999999999999999;nonce=00000000000000000000000000000000;sig=b"})
        EXPECT_FALSE(n2_.verify(h, "n2", "POST /x", "", kChannel).ok()) << h;
}

// A call is good on the connection it was signed for: recorded and sent
// again on another connection it is refused, also by a verifier that never
// saw its nonce (the receiver restarted).
TEST_F(PeerAuthTest, ACallIsBoundToItsConnection) {
    auto s = sign();
    PeerAuth restarted(key(7), clock_);
    auto r = restarted.verify(s.header, "n2", "POST /api/v1/peer/commands/stop", "{}", kOtherChannel);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("for another connection"), std::string::npos) << r.error().message();
    auto none = restarted.verify(s.header, "n2", "POST /api/v1/peer/commands/stop", "{}", "");
    ASSERT_FALSE(none.ok());
    EXPECT_NE(none.error().message().find("not on the cluster's TLS channel"), std::string::npos);
    EXPECT_TRUE(restarted.verify(s.header, "n2", "POST /api/v1/peer/commands/stop", "{}", kChannel).ok());
}

TEST_F(PeerAuthTest, AnOlderSafedsPlainCallIsRefusedWithTheReason) {
    auto r = n2_.verify("v1;from=n1;to=n2;user=u;role=admin;t=1;nonce=00000000000000000000000000000000;sig=b", "n2",
                        "POST /x", "", kChannel);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("older than this one"), std::string::npos) << r.error().message();
}

TEST_F(PeerAuthTest, RepliesAreBoundToTheCallsNonceStatusAndBody) {
    auto sig = n2_.signReply("abc", 200, "{\"result\":0}");
    EXPECT_TRUE(n1_.verifyReply(sig, "abc", 200, "{\"result\":0}"));
    EXPECT_FALSE(n1_.verifyReply(sig, "abd", 200, "{\"result\":0}"));
    EXPECT_FALSE(n1_.verifyReply(sig, "abc", 500, "{\"result\":0}"));
    EXPECT_FALSE(n1_.verifyReply(sig, "abc", 200, "{\"result\":1}"));
    EXPECT_FALSE(PeerAuth(key(9), clock_).verifyReply(sig, "abc", 200, "{\"result\":0}"));
}

}  // namespace
}  // namespace safefarm::http::test
