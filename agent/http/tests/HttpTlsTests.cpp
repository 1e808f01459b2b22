// The API over TLS with a certificate made in the test.
#include <gtest/gtest.h>

#include <boost/asio/ssl/context.hpp>

#include "ApiFixture.h"
#include "TempDir.h"
#include "TestCert.h"

namespace safefarm::http::test {
namespace {

namespace ssl = boost::asio::ssl;

class HttpTlsTest : public ApiFixture {
protected:
    void adjust(HttpOptions& o) override {
        cert_ = makeSelfSignedCert();
        std::ofstream(dir_ / "cert.pem") << cert_.certPem;
        std::ofstream(dir_ / "key.pem") << cert_.keyPem;
        o.tlsCertFile = (dir_ / "cert.pem").string();
        o.tlsKeyFile = (dir_ / "key.pem").string();
        // The client trusts exactly this certificate, and checks it.
        clientTls_ = std::make_shared<ssl::context>(ssl::context::tls_client);
        clientTls_->set_verify_mode(ssl::verify_peer);
        clientTls_->add_certificate_authority(boost::asio::buffer(cert_.certPem));
    }
    TestCert cert_;
};

TEST_F(HttpTlsTest, LoginAndCommandsOverTlsWithASecureCookie) {
    auto l = loginAs(Role::Control);
    ASSERT_EQ(l.result.status, 200u) << l.result.error;
    EXPECT_NE(l.result.header("set-cookie").find("; Secure"), std::string::npos) << l.result.header("set-cookie");
    EXPECT_EQ(postCommand("start", l).status, 200u);
    EXPECT_EQ(client().get("/var/modules/farm/ready.txt").status, 200u);
    auto results = client().callKeepAlive({HttpCall{boost::beast::http::verb::get, "/", "", {}},
                                           HttpCall{boost::beast::http::verb::get, "/metrics", "", {}}});
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[1].status, 200u);
}

// One port for both: plain HTTP answers health checks and Prometheus, and
// sends the rest to https (a password never gets an answer in clear).
TEST_F(HttpTlsTest, PlainHttpAnswersReadyAndMetricsAndSendsTheRestToHttps) {
    TestClient plain(server_->port());
    auto page = plain.get("/index.html?x=1", {{"Host", "web1:9010"}});
    EXPECT_EQ(page.status, 308u) << page.body;
    EXPECT_EQ(page.header("location"), "https://web1:9010/index.html?x=1");
    auto login = plain.post("/api/v1/login", R"({"user": "ctl", "password": "ctl-password"})",
                            {{"Host", "127.0.0.1:9010"}, {"Content-Type", "application/json"}});
    EXPECT_EQ(login.status, 308u) << login.body;
    EXPECT_EQ(login.header("set-cookie"), "");
    auto key = plain.post("/api/v1/commands/start", "{}", {{"Authorization", "Bearer " + keyOf_.at(Role::Admin)}});
    EXPECT_EQ(key.status, 308u) << key.body;
    EXPECT_EQ(plain.get("/x", {{"Host", "evil/path\"x"}}).status, 400u);
    EXPECT_EQ(plain.get("/var/modules/farm/ready.txt").status, 200u);
    EXPECT_EQ(plain.get("/metrics").status, 200u);
}

TEST_F(HttpTlsTest, AClientThatDoesNotTrustTheCertificateRefusesIt) {
    auto strict = std::make_shared<ssl::context>(ssl::context::tls_client);
    strict->set_verify_mode(ssl::verify_peer);  // no authority added
    auto r = TestClient(server_->port(), strict).get("/");
    EXPECT_EQ(r.status, 0u);
    EXPECT_NE(r.error.find("handshake"), std::string::npos) << r.error;
}

TEST(HttpTlsConfig, BadOrMismatchedFilesFailStart) {
    boost::asio::io_context io;
    control::CommandRegistry registry;
    safefarm::test::TempDir dir("safefarm-tls");
    auto a = makeSelfSignedCert(), b = makeSelfSignedCert();
    std::ofstream(dir.path() / "a.pem") << a.certPem;
    std::ofstream(dir.path() / "b.key") << b.keyPem;
    auto tryStart = [&](std::string cert, std::string key) {
        HttpOptions o;
        o.address = "127.0.0.1";
        o.port = 0;
        o.usersFile = "";  // not the machine's /etc/safefarm/users.json
        o.webRoot = "";
        o.tlsCertFile = std::move(cert);
        o.tlsKeyFile = std::move(key);
        HttpServer server(io, registry, o);
        auto r = server.start();
        return r.ok() ? std::string() : r.error().message();
    };
    EXPECT_NE(tryStart((dir.path() / "a.pem").string(), "").find("both"), std::string::npos);
    EXPECT_NE(tryStart((dir.path() / "nope.pem").string(), (dir.path() / "b.key").string()).find("nope.pem"),
              std::string::npos);
    // A key of another certificate: OpenSSL's "key values mismatch", naming the key file.
    auto mismatch = tryStart((dir.path() / "a.pem").string(), (dir.path() / "b.key").string());
    EXPECT_NE(mismatch.find("b.key"), std::string::npos) << mismatch;
    EXPECT_NE(mismatch.find("mismatch"), std::string::npos) << mismatch;
}

}  // namespace
}  // namespace safefarm::http::test
