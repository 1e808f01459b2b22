// One console, every node: three real servers on loopback that share users
// and a cluster key, each with its own registry of fake commands that say
// which node answered. A command sent to n1 for n2 runs on n2 only, "all"
// runs everywhere, and a deploy that one node refuses is written nowhere.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <thread>

#include "LogCapture.h"
#include "RunOn.h"
#include "TempDir.h"
#include "TestCert.h"
#include "TestClient.h"
#include "http/HttpServer.h"
#include "http/PeerRelay.h"
#include "http/PeerTls.h"
#include "http/UserStore.h"
#include "http/ZipArchive.h"

namespace safefarm::http::test {
namespace {

namespace fs = std::filesystem;
using control::Reply;
using control::Request;
using control::Responder;
using nlohmann::json;

const std::vector<std::string> kNodes = {"n1", "n2", "n3"};

class PeerRelayTest : public ::testing::Test {
protected:
    bool tls_ = false;

    void SetUp() override {
        UserStore users;
        ASSERT_TRUE(users.setUser("adm", Role::Admin, "adm-password", kMinPbkdf2Iterations).ok());
        for (auto role : {Role::Monitor, Role::Control, Role::Admin}) {
            auto k = users.addApiKey(std::string(roleName(role)) + "-key", role);
            ASSERT_TRUE(k.ok());
            keyOf_[role] = k.value();
        }
        ASSERT_TRUE(users.save((dir_ / "users.json").string()).ok());
    }

    void start(std::map<std::string, std::vector<uint8_t>> keys = {}) {
        if (tls_) {
            auto cert = makeSelfSignedCert();
            std::ofstream(dir_ / "cert.pem") << cert.certPem;
            std::ofstream(dir_ / "key.pem") << cert.keyPem;
            clientTls_ = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
            clientTls_->set_verify_mode(boost::asio::ssl::verify_none);
        }
        for (const auto& n : kNodes) {
            auto& reg = registries_[n];
            addCommands(n, reg);
            HttpOptions o;
            o.address = "127.0.0.1";
            o.port = 0;
            o.webRoot = "";
            o.usersFile = (dir_ / "users.json").string();
            o.ioTimeout = std::chrono::seconds(5);
            if (tls_) {
                o.tlsCertFile = (dir_ / "cert.pem").string();
                o.tlsKeyFile = (dir_ / "key.pem").string();
            }
            HttpHooks hooks;
            hooks.peers.self = n;
            hooks.peers.key = keys.contains(n) ? keys[n] : std::vector<uint8_t>(32, 0x5a);
            hooks.peers.nodes = [this] {
                std::vector<PeerNode> out;
                for (const auto& m : kNodes) out.push_back(PeerNode{m, "127.0.0.1", ports_.at(m)});
                return out;
            };
            servers_[n] = std::make_unique<HttpServer>(io_, reg, o, hooks);
            auto r = servers_[n]->start();
            ASSERT_TRUE(r.ok()) << r.error().message();
            ports_[n] = servers_[n]->port();
        }
        thread_ = std::thread([this] { io_.run(); });
    }

    void TearDown() override {
        if (thread_.joinable()) {
            onIo([this] {
                for (auto& [n, s] : servers_)
                    if (s) s->stop();
            });
            work_.reset();
            thread_.join();
        }
        servers_.clear();
    }

    template <class F>
    void onIo(F f) {
        runOn(io_, std::move(f));
    }

    void addCommands(const std::string& node, control::CommandRegistry& reg) {
        auto answer = [this, node](const std::string& name) {
            return [this, node, name](const Request& r, Responder respond) {
                calls_[node + ":" + name]++;
                respond(Reply::success(name + " on " + node,
                                       {{"node", node}, {"module", r.module}, {"args", r.args}, {"origin", r.origin}}));
            };
        };
        for (const char* c : {"status", "stop", "config-deploy"}) ASSERT_TRUE(reg.add(c, c, answer(c)).ok());
        ASSERT_TRUE(reg.add("snapshot", "files",
                            [node](const Request& r, Responder respond) {
                                if (r.module != "farm")
                                    return respond(Reply::error("no module '" + r.module + "' installed"));
                                respond(Reply::success("2 files", {{"files",
                                                                    {{"status.json", "{\"node\": \"" + node + "\"}"},
                                                                     {"logs/module.log", node + " log\n"}}}}));
                            })
                        .ok());
        // n3 refuses a configuration that names it.
        ASSERT_TRUE(reg.add("config-check", "check",
                            [this, node](const Request& r, Responder respond) {
                                calls_[node + ":config-check"]++;
                                bool valid = r.args.value("userconfig", "").find("bad-on-" + node) == std::string::npos;
                                respond(Reply::success(valid ? "valid" : "1 error(s)", {{"valid", valid}}));
                            })
                        .ok());
    }

    TestClient client(const std::string& node) { return TestClient(ports_.at(node), clientTls_); }

    // A peer call as another node of this cluster makes it: over the
    // cluster's TLS channel to `port`; `sign` gives the X-Safefarm-Peer
    // value for the connection's channel binding.
    Result<PeerResponse> peerCall(uint16_t port, std::function<Result<std::string>(std::string_view channel)> sign,
                                  const std::string& command = "stop") {
        auto identity = PeerIdentity::fromClusterKey(std::vector<uint8_t>(32, 0x5a));
        auto tls = peerClientContext(identity.value());
        auto transport = makeBeastTransport(io_.get_executor(), tls.value());
        std::promise<Result<PeerResponse>> done;
        PeerCall c;
        c.node = PeerNode{"n2", "127.0.0.1", port};
        c.target = "/api/v1/peer/commands/" + command;
        c.body = "{}";
        c.sign = std::move(sign);
        c.timeout = std::chrono::seconds(5);
        onIo([&] { transport->post(std::move(c), [&](Result<PeerResponse> r) { done.set_value(std::move(r)); }); });
        return done.get_future().get();
    }
    HttpResult post(const std::string& node, const std::string& command, const json& body, Role role = Role::Admin) {
        return client(node).post("/api/v1/commands/" + command, body.dump(),
                                 {{"Authorization", "Bearer " + keyOf_.at(role)}});
    }

    safefarm::test::TempDir tmp_{"safefarm-peer"};
    const fs::path dir_ = tmp_.path();
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ = boost::asio::make_work_guard(io_);
    std::map<std::string, control::CommandRegistry> registries_;
    std::map<std::string, std::unique_ptr<HttpServer>> servers_;
    std::map<std::string, uint16_t> ports_;
    std::thread thread_;
    std::map<Role, std::string> keyOf_;
    std::map<std::string, std::atomic<int>> calls_;
    std::shared_ptr<boost::asio::ssl::context> clientTls_;
};

TEST_F(PeerRelayTest, ACommandForAnotherNodeRunsThereOnly) {
    start();
    auto r = post("n1", "stop", {{"module", "farm"}, {"node", "n2"}}, Role::Control);
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.json()["arguments"]["node"], "n2");
    EXPECT_EQ(r.json()["arguments"]["module"], "farm");
    // Who asked, for n2's module log: the caller as n1 knew it, and n1.
    EXPECT_EQ(r.json()["arguments"]["origin"], "control-key (control) via n1");
    EXPECT_EQ(calls_["n2:stop"], 1);
    EXPECT_EQ(calls_["n1:stop"], 0);
    // A read through GET names the node in the query.
    auto g = client("n1").get("/api/v1/commands/status?module=farm&node=n3",
                              {{"Authorization", "Bearer " + keyOf_.at(Role::Monitor)}});
    ASSERT_EQ(g.status, 200u) << g.body;
    EXPECT_EQ(g.json()["arguments"]["node"], "n3");
    // Its own name is here.
    auto here = post("n1", "status", {{"node", "n1"}}, Role::Monitor).json()["arguments"];
    EXPECT_EQ(here["node"], "n1");
    EXPECT_EQ(here["origin"], "monitor-key (monitor) from 127.0.0.1");
}

TEST_F(PeerRelayTest, TheCallersRoleIsCheckedBeforeAnythingIsForwarded) {
    start();
    auto r = post("n1", "stop", {{"node", "n2"}}, Role::Monitor);
    EXPECT_EQ(r.status, 403u) << r.body;
    EXPECT_EQ(calls_["n2:stop"], 0);
    EXPECT_EQ(post("n1", "stop", {{"node", 2}}).status, 400u);
    EXPECT_EQ(post("n1", "stop", {{"node", "n2;to=n3"}}).status, 400u);
    auto unknown = post("n1", "stop", {{"node", "n9"}});
    EXPECT_EQ(unknown.status, 404u);
    EXPECT_NE(unknown.body.find("no node 'n9' in cluster.xml"), std::string::npos) << unknown.body;
}

TEST_F(PeerRelayTest, ASessionWithoutItsCsrfTokenOrWithBadJsonForwardsNothing) {
    start();
    auto login = client("n1").post("/api/v1/login", R"({"user": "adm", "password": "adm-password"})",
                                   {{"Content-Type", "application/json"}});
    ASSERT_EQ(login.status, 200u) << login.body;
    auto setCookie = login.header("set-cookie");
    std::string cookie = setCookie.substr(0, setCookie.find(';'));
    std::string csrf = login.json()["arguments"]["csrf_token"];
    auto noToken = client("n1").post("/api/v1/commands/stop", R"({"node": "n2"})", {{"Cookie", cookie}});
    EXPECT_EQ(noToken.status, 403u) << noToken.body;
    auto badJson =
        client("n1").post("/api/v1/commands/stop", R"({"node": "n2")", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}});
    EXPECT_EQ(badJson.status, 400u) << badJson.body;
    EXPECT_EQ(calls_["n2:stop"], 0);
    auto ok =
        client("n1").post("/api/v1/commands/stop", R"({"node": "n2"})", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}});
    EXPECT_EQ(ok.status, 200u) << ok.body;
    EXPECT_EQ(calls_["n2:stop"], 1);
}

TEST_F(PeerRelayTest, AllRunsOnEveryNodeWithAnAnswerEach) {
    start();
    auto r = post("n2", "status", {{"module", "farm"}, {"node", "all"}}, Role::Monitor);
    ASSERT_EQ(r.status, 200u) << r.body;
    auto nodes = r.json()["arguments"]["nodes"];
    for (const auto& n : kNodes) {
        EXPECT_EQ(nodes[n]["result"], 0) << n;
        EXPECT_EQ(nodes[n]["status"], 200) << n;
        EXPECT_EQ(nodes[n]["arguments"]["node"], n);
    }
}

TEST_F(PeerRelayTest, ANodeDownIsNamedAndTheOthersStillAnswer) {
    start();
    onIo([this] { servers_["n3"]->stop(); });
    auto r = post("n1", "stop", {{"node", "all"}}, Role::Control);
    EXPECT_EQ(r.status, 500u);
    auto j = r.json();
    EXPECT_EQ(j["result"], 1);
    EXPECT_EQ(j["arguments"]["nodes"]["n3"]["status"], 502);
    EXPECT_NE(j["arguments"]["nodes"]["n3"]["text"].get<std::string>().find("connect"), std::string::npos) << r.body;
    EXPECT_EQ(j["arguments"]["nodes"]["n2"]["result"], 0);
    EXPECT_EQ(calls_["n1:stop"], 1);
    EXPECT_EQ(calls_["n2:stop"], 1);
    auto one = post("n1", "stop", {{"node", "n3"}}, Role::Control);
    EXPECT_EQ(one.status, 502u) << one.body;
}

TEST_F(PeerRelayTest, ADeployOneNodeRefusesIsWrittenNowhere) {
    start();
    auto refused = post("n1", "config-deploy", {{"node", "all"}, {"args", {{"userconfig", "<x bad-on-n3/>"}}}});
    EXPECT_EQ(refused.status, 409u) << refused.body;
    auto j = refused.json();
    EXPECT_NE(j["text"].get<std::string>().find("nothing changed"), std::string::npos) << refused.body;
    EXPECT_EQ(j["arguments"]["nodes"]["n3"]["arguments"]["valid"], false);
    EXPECT_EQ(j["arguments"]["nodes"]["n1"]["arguments"]["valid"], true);
    for (const auto& n : kNodes) EXPECT_EQ(calls_[n + ":config-deploy"], 0) << n;

    // A deploy is admin's: control and monitor are refused before any check.
    for (auto role : {Role::Control, Role::Monitor})
        EXPECT_EQ(post("n1", "config-deploy", {{"node", "all"}, {"args", {{"userconfig", "<x/>"}}}}, role).status,
                  403u);
    auto done = post("n1", "config-deploy", {{"node", "all"}, {"args", {{"userconfig", "<x/>"}}}});
    ASSERT_EQ(done.status, 200u) << done.body;
    for (const auto& n : kNodes) {
        EXPECT_EQ(calls_[n + ":config-check"], 2) << n;
        EXPECT_EQ(calls_[n + ":config-deploy"], 1) << n;
    }
}

// Another cluster.key is another TLS identity: the connection is refused
// before anything is sent, and the caller says why.
TEST_F(PeerRelayTest, ANodeWithAnotherKeyIsNotTalkedTo) {
    start({{"n2", std::vector<uint8_t>(32, 0x11)}});
    auto r = post("n1", "stop", {{"node", "n2"}}, Role::Control);
    EXPECT_EQ(r.status, 502u) << r.body;
    EXPECT_NE(r.body.find("its certificate is not this cluster's (another cluster.key?)"), std::string::npos) << r.body;
    EXPECT_EQ(calls_["n2:stop"], 0);
}

// A key file too short to sign with: the refusal says why, not only that
// there is no key (it said nothing more before the one Hmac did the check).
TEST_F(PeerRelayTest, AClusterKeyTooShortIsRefusedWithTheReason) {
    start({{"n1", std::vector<uint8_t>(8, 0x11)}});
    auto r = post("n1", "stop", {{"node", "n2"}}, Role::Control);
    EXPECT_EQ(r.status, 503u) << r.body;
    EXPECT_NE(r.body.find("cross-node calls need the cluster key: "), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("16"), std::string::npos) << r.body;
    EXPECT_EQ(calls_["n2:stop"], 0);
}

TEST_F(PeerRelayTest, ThePeerEndpointRefusesUnsignedReplayedAndUnderRoledCalls) {
    start();
    auto unsignedCall = peerCall(ports_.at("n2"), nullptr);
    ASSERT_TRUE(unsignedCall.ok()) << unsignedCall.error().message();
    EXPECT_EQ(unsignedCall.value().result_int(), 401u);
    EXPECT_EQ(client("n2").get("/api/v1/peer/commands/stop").status, 405u);

    PeerAuth auth(Hmac::create(std::vector<uint8_t>(32, 0x5a)).value());
    std::string header;
    auto signedCall = [&](Role role, const std::string& to) {
        return peerCall(ports_.at(to),
                        [&, role, to](std::string_view channel) {
                            PeerClaims c{"n1", to, "someone", role, 0, ""};
                            header = auth.sign(c, "POST /api/v1/peer/commands/stop", "{}", channel).value();
                            return header;
                        })
            .value();
    };
    auto ok = signedCall(Role::Control, "n2");
    EXPECT_EQ(ok.result_int(), 200u) << ok.body();
    EXPECT_EQ(std::string(ok[kPeerReplyHeader]).size(), 64u);
    // The same header again, on a new connection: refused.
    auto replay = peerCall(ports_.at("n2"), [&](std::string_view) { return header; }).value();
    EXPECT_EQ(replay.result_int(), 401u);
    // Sent to n3 with n2's name: refused there.
    auto elsewhere = peerCall(ports_.at("n3"), [&](std::string_view channel) {
                         PeerClaims c{"n1", "n2", "someone", Role::Control, 0, ""};
                         return auth.sign(c, "POST /api/v1/peer/commands/stop", "{}", channel);
                     }).value();
    EXPECT_EQ(elsewhere.result_int(), 401u);
    EXPECT_NE(elsewhere.body().find("meant for n2"), std::string::npos) << elsewhere.body();
    auto monitor = signedCall(Role::Monitor, "n2");
    EXPECT_EQ(monitor.result_int(), 403u) << monitor.body();
    EXPECT_EQ(calls_["n2:stop"], 1);
    EXPECT_EQ(calls_["n3:stop"], 0);
}

// Issue 14: a forwarded call captured on the wire was run again by its
// target after the target restarted (its nonces forgotten). Now the call
// is good on its own TLS connection only, and plain HTTP carries none.
TEST_F(PeerRelayTest, ACallRecordedOnItsWayIsRefusedAlsoAfterTheTargetRestarted) {
    start();
    PeerAuth auth(Hmac::create(std::vector<uint8_t>(32, 0x5a)).value());
    std::string recorded;
    auto first = peerCall(ports_.at("n2"), [&](std::string_view channel) {
        PeerClaims c{"n1", "n2", "someone", Role::Control, 0, ""};
        return recorded = auth.sign(c, "POST /api/v1/peer/commands/stop", "{}", channel).value();
    });
    ASSERT_TRUE(first.ok()) << first.error().message();
    EXPECT_EQ(first.value().result_int(), 200u);

    // n2 restarts: a new server, nothing remembered.
    HttpOptions o;
    o.address = "127.0.0.1";
    o.port = 0;
    o.webRoot = "";
    o.usersFile = (dir_ / "users.json").string();
    HttpHooks hooks;
    hooks.peers.self = "n2";
    hooks.peers.key = std::vector<uint8_t>(32, 0x5a);
    control::CommandRegistry reg;
    addCommands("n2", reg);
    std::unique_ptr<HttpServer> restarted;
    onIo([&] {
        restarted = std::make_unique<HttpServer>(io_, reg, o, hooks);
        ASSERT_TRUE(restarted->start().ok());
    });
    auto overTls = peerCall(restarted->port(), [&](std::string_view) { return recorded; });
    ASSERT_TRUE(overTls.ok()) << overTls.error().message();
    EXPECT_EQ(overTls.value().result_int(), 401u);
    EXPECT_NE(overTls.value().body().find("for another connection"), std::string::npos) << overTls.value().body();
    auto plain = TestClient(restarted->port()).post("/api/v1/peer/commands/stop", "{}", {{kPeerHeader, recorded}});
    EXPECT_EQ(plain.status, 401u);
    EXPECT_NE(plain.body.find("only over the cluster's TLS channel"), std::string::npos) << plain.body;
    EXPECT_EQ(calls_["n2:stop"], 1);
    onIo([&] { restarted.reset(); });
}

// A flood of refused peer calls writes one line per sender and period,
// not one per call (issue 14: log amplification).
TEST_F(PeerRelayTest, RefusedPeerCallsAreLoggedOncePerSenderAndPeriod) {
    start();
    auto log = std::make_unique<LogCapture>();
    for (int i = 0; i < 30; ++i) {
        auto r = peerCall(ports_.at("n2"), [i](std::string_view) { return "forged-" + std::to_string(i); });
        ASSERT_TRUE(r.ok()) << r.error().message();
        EXPECT_EQ(r.value().result_int(), 401u);
        // And over plain HTTP: refused, and told once too.
        EXPECT_EQ(client("n2").post("/api/v1/peer/commands/stop", "{}", {{kPeerHeader, "x"}}).status, 401u);
    }
    std::string text = log->text();
    log.reset();
    size_t lines = 0;
    for (size_t at = text.find("peer call from"); at != std::string::npos; at = text.find("peer call from", at + 1))
        lines++;
    EXPECT_EQ(lines, 1u) << text;
    EXPECT_NE(text.find("SF_HTTP_PEER_REFUSED http: peer call from 127.0.0.1 refused"), std::string::npos) << text;
}

TEST_F(PeerRelayTest, TheSnapshotZipsEveryNodesFilesAndNamesTheNodeThatGaveNone) {
    start();
    onIo([this] { servers_["n3"]->stop(); });
    auto get = [&](const std::string& target, Role role) {
        return client("n1").get(target, {{"Authorization", "Bearer " + keyOf_.at(role)}});
    };
    auto r = get("/api/v1/snapshot?module=farm", Role::Admin);
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/zip");
    auto disposition = r.header("content-disposition");
    EXPECT_TRUE(disposition.starts_with("attachment; filename=\"safefarm-snapshot-")) << disposition;
    auto files = readZip(r.body);
    ASSERT_TRUE(files.ok()) << files.error().message();
    std::map<std::string, std::string> byName;
    for (const auto& [name, text] : files.value()) byName[name.substr(name.find('/') + 1)] = text;
    EXPECT_EQ(byName["n1/status.json"], "{\"node\": \"n1\"}");
    EXPECT_EQ(byName["n2/logs/module.log"], "n2 log\n");
    EXPECT_NE(byName["n3/ERROR.txt"].find("connect"), std::string::npos) << byName["n3/ERROR.txt"];
    EXPECT_NE(byName["summary.txt"].find("n1: 2 files"), std::string::npos) << byName["summary.txt"];
    EXPECT_NE(byName["summary.txt"].find("n3: 502"), std::string::npos) << byName["summary.txt"];

    EXPECT_EQ(get("/api/v1/snapshot?module=farm", Role::Monitor).status, 403u);
    EXPECT_EQ(client("n1").get("/api/v1/snapshot?module=farm").status, 401u);
    EXPECT_EQ(
        client("n1").post("/api/v1/snapshot", "{}", {{"Authorization", "Bearer " + keyOf_.at(Role::Admin)}}).status,
        405u);
    // A module no node has: the error, not an empty zip.
    auto none = get("/api/v1/snapshot?module=nope", Role::Admin);
    EXPECT_EQ(none.status, 500u) << none.body;
    EXPECT_NE(none.body.find("no module 'nope' installed"), std::string::npos) << none.body;
}

class PeerRelayTlsTest : public PeerRelayTest {
protected:
    PeerRelayTlsTest() { tls_ = true; }
};

TEST_F(PeerRelayTlsTest, NodesWhoseApiServesTlsStillTalkAsTheCluster) {
    start();
    auto r = post("n1", "status", {{"node", "all"}}, Role::Monitor);
    ASSERT_EQ(r.status, 200u) << r.body;
    for (const auto& n : kNodes) EXPECT_EQ(r.json()["arguments"]["nodes"][n]["arguments"]["node"], n) << r.body;
}

}  // namespace
}  // namespace safefarm::http::test
