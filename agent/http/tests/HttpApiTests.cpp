// The control API end to end: a Beast client against a real HttpServer on
// loopback, every endpoint, every role, and every refusal.
#include <gtest/gtest.h>

#include "ApiFixture.h"
#include "LogCapture.h"
#include "http/CommandRoles.h"

namespace safefarm::http::test {
namespace {

namespace bhttp = boost::beast::http;
using namespace std::chrono_literals;
using nlohmann::json;

class HttpApiTest : public ApiFixture {};

// --- OpenAPI ---------------------------------------------------------------

TEST_F(HttpApiTest, OpenApiDescribesEveryRegisteredCommandWithoutLogin) {
    auto r = client().get("/api/openapi.json");
    ASSERT_EQ(r.status, 200u) << r.error;
    EXPECT_EQ(r.header("content-type"), "application/json");
    auto doc = r.json();
    ASSERT_TRUE(doc.is_object());
    EXPECT_EQ(doc["openapi"], "3.0.3");
    for (const auto& c : registry_.list()) EXPECT_TRUE(doc["paths"].contains("/api/v1/commands/" + c.name)) << c.name;
    for (const char* p : {"/api/v1/login", "/api/v1/logout", "/api/v1/session"})
        EXPECT_TRUE(doc["paths"].contains(p)) << p;
    EXPECT_EQ(client().post("/api/openapi.json", "{}").status, 405u);
}

// --- login, session, logout ----------------------------------------------

TEST_F(HttpApiTest, LoginSetsAStrictHttpOnlyCookieAndReturnsTheCsrfToken) {
    auto l = loginAs(Role::Admin);
    ASSERT_EQ(l.result.status, 200u) << l.result.body;
    auto cookie = l.result.header("set-cookie");
    EXPECT_TRUE(cookie.starts_with("safefarm_session=")) << cookie;
    EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos) << cookie;
    EXPECT_NE(cookie.find("; SameSite=Strict"), std::string::npos) << cookie;
    EXPECT_NE(cookie.find("; Path=/"), std::string::npos) << cookie;
    EXPECT_NE(cookie.find("; Max-Age=3600"), std::string::npos) << cookie;
    EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "plain HTTP: a Secure cookie would never come back";
    auto j = l.result.json();
    EXPECT_EQ(j["result"], 0);
    EXPECT_EQ(j["arguments"]["user"], "adm");
    EXPECT_EQ(j["arguments"]["role"], "admin");
    EXPECT_EQ(l.csrf.size(), 64u);
    EXPECT_EQ(l.result.header("cache-control"), "no-store");
}

TEST_F(HttpApiTest, WrongPasswordAndUnknownUserAreTheSame401) {
    auto wrong = login("adm", "not-the-password");
    auto unknown = login("nobody", "whatever-password");
    EXPECT_EQ(wrong.result.status, 401u);
    EXPECT_EQ(unknown.result.status, 401u);
    EXPECT_EQ(wrong.result.body, unknown.result.body);
    EXPECT_TRUE(wrong.result.header("set-cookie").empty());
}

// safed's log says who logged in or failed to, under stable ids
// (docs/messages.md), whatever the name sent held.
TEST_F(HttpApiTest, LoginsAreLoggedUnderTheirIds) {
    LogCapture log;
    ASSERT_EQ(loginAs(Role::Admin).result.status, 200u);
    EXPECT_EQ(login("adm", "not-the-password").result.status, 401u);
    auto text = log.text();
    EXPECT_NE(text.find("SF_HTTP_LOGIN http: adm (admin) logged in from 127.0.0.1"), std::string::npos) << text;
    EXPECT_NE(text.find("SF_HTTP_LOGIN_FAILED http: failed login for 'adm' from 127.0.0.1"), std::string::npos) << text;
}

TEST_F(HttpApiTest, ImpossibleUserNamesAre401WithoutAHash) {
    EXPECT_EQ(login("adm\nforged log line", "adm-password").result.status, 401u);
    EXPECT_EQ(login(std::string(1000, 'a'), "x").result.status, 401u);
    EXPECT_EQ(login("", "x").result.status, 401u);
}

TEST_F(HttpApiTest, MalformedLoginIs400AndGetIs405) {
    const std::vector<std::pair<std::string, std::string>> json{{"Content-Type", "application/json"}};
    EXPECT_EQ(client().post("/api/v1/login", "{not json", json).status, 400u);
    EXPECT_EQ(client().post("/api/v1/login", R"({"user": "adm"})", json).status, 400u);
    EXPECT_EQ(client().post("/api/v1/login", R"({"user": 1, "password": "x"})", json).status, 400u);
    EXPECT_EQ(client().post("/api/v1/login", "[]", json).status, 400u);
    auto get = client().get("/api/v1/login");
    EXPECT_EQ(get.status, 405u);
    EXPECT_EQ(get.header("allow"), "POST");
}

// Checked before the body is parsed: its size (on the header), its type,
// the page it comes from, the address's failures (issue 14: a 1 MiB body
// was parsed before anything was checked; a cross-site form could log a
// browser into another account).
TEST_F(HttpApiTest, ALoginIsCheckedBeforeItsBodyIsParsed) {
    std::string body = nlohmann::json{{"user", "adm"}, {"password", "adm-password"}}.dump();
    auto plain = client().post("/api/v1/login", body, {{"Content-Type", "text/plain"}});
    EXPECT_EQ(plain.status, 415u) << plain.body;
    EXPECT_EQ(client().post("/api/v1/login", body).status, 415u);  // no type: a form could send that
    auto crossSite = client().post("/api/v1/login", body,
                                   {{"Content-Type", "application/json"}, {"Origin", "https://evil.example"}});
    EXPECT_EQ(crossSite.status, 403u) << crossSite.body;
    EXPECT_TRUE(crossSite.header("set-cookie").empty());
    EXPECT_EQ(client().post("/api/v1/login", body, {{"Content-Type", "application/json"}, {"Origin", "null"}}).status,
              403u);
    auto ours = client().post("/api/v1/login", body,
                              {{"Content-Type", "application/json; charset=utf-8"}, {"Origin", "http://127.0.0.1"}});
    EXPECT_EQ(ours.status, 200u) << ours.body;
    // A few KB at most, refused on the header whether sent or not.
    std::string big = nlohmann::json{{"user", "adm"}, {"password", std::string(5000, 'p')}}.dump();
    auto tooBig = client().post("/api/v1/login", big, {{"Content-Type", "application/json"}});
    EXPECT_EQ(tooBig.status, 413u) << tooBig.body;
    auto raw = client().raw(
        "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 5000\r\n\r\n{");
    EXPECT_TRUE(raw.starts_with("HTTP/1.1 413")) << raw;
    // An address waiting out its failures is refused before its body is read.
    for (int i = 0; i < 6; ++i) ASSERT_EQ(login("guess" + std::to_string(i), "password1").result.status, 401u);
    EXPECT_EQ(client().post("/api/v1/login", "{not json", {{"Content-Type", "application/json"}}).status, 429u);
}

TEST_F(HttpApiTest, SessionEndpointTellsWhoAndTheCsrfTokenAgain) {
    auto l = loginAs(Role::Control);
    auto r = client().get("/api/v1/session", {{"Cookie", l.cookie}});
    ASSERT_EQ(r.status, 200u) << r.body;
    auto j = r.json();
    EXPECT_EQ(j["arguments"]["user"], "ctl");
    EXPECT_EQ(j["arguments"]["role"], "control");
    EXPECT_EQ(j["arguments"]["via"], "session");
    EXPECT_EQ(j["arguments"]["csrf_token"], l.csrf);
    EXPECT_EQ(j["arguments"]["expires_in"], 60);
    auto k = client().get("/api/v1/session", {{"Authorization", "Bearer " + keyOf_[Role::Monitor]}});
    ASSERT_EQ(k.status, 200u);
    EXPECT_EQ(k.json()["arguments"]["via"], "api_key");
    EXPECT_FALSE(k.json()["arguments"].contains("csrf_token"));
    EXPECT_EQ(client().get("/api/v1/session").status, 401u);
}

TEST_F(HttpApiTest, LogoutNeedsTheCsrfTokenThenEndsTheSession) {
    auto l = loginAs(Role::Admin);
    EXPECT_EQ(client().post("/api/v1/logout", "", {{"Cookie", l.cookie}}).status, 403u);
    auto out = client().post("/api/v1/logout", "", {{"Cookie", l.cookie}, {"X-CSRF-Token", l.csrf}});
    ASSERT_EQ(out.status, 200u) << out.body;
    EXPECT_NE(out.header("set-cookie").find("Max-Age=0"), std::string::npos);
    EXPECT_EQ(postCommand("start", l).status, 401u);
    EXPECT_EQ(client().get("/api/v1/session", {{"Cookie", l.cookie}}).status, 401u);
    EXPECT_EQ(client().post("/api/v1/logout", "").status, 401u);
    EXPECT_EQ(client().post("/api/v1/logout", "", {{"Authorization", "Bearer " + keyOf_[Role::Admin]}}).status, 400u);
}

TEST_F(HttpApiTest, IdleSessionExpires) {
    auto l = loginAs(Role::Admin);
    advance(50s);
    EXPECT_EQ(postCommand("start", l).status, 200u);  // used: 60 s more
    advance(61s);
    auto r = postCommand("start", l);
    EXPECT_EQ(r.status, 401u);
    EXPECT_NE(r.json()["text"].get<std::string>().find("expired"), std::string::npos);
}

TEST_F(HttpApiTest, SessionLifetimeEndsEvenABusySession) {
    auto l = loginAs(Role::Monitor);
    for (int i = 0; i < 71; ++i) {
        advance(50s);
        ASSERT_EQ(client().get("/api/v1/session", {{"Cookie", l.cookie}}).status, 200u) << i;
    }
    advance(50s);  // 3600 s after login
    EXPECT_EQ(client().get("/api/v1/session", {{"Cookie", l.cookie}}).status, 401u);
}

TEST_F(HttpApiTest, ForgedOrUnknownCookieIs401) {
    EXPECT_EQ(client().get("/api/v1/commands/state", {{"Cookie", "safefarm_session=" + std::string(64, 'a')}}).status,
              401u);
    EXPECT_EQ(client().get("/api/v1/commands/state", {{"Cookie", "other=1"}}).status, 401u);
}

// --- the login throttle ------------------------------------------------------

TEST_F(HttpApiTest, RepeatedFailedLoginsForOneUserAre429EvenWithTheRightPassword) {
    for (int i = 0; i < 5; ++i) ASSERT_EQ(login("adm", "wrong-password").result.status, 401u) << i;
    ASSERT_EQ(login("adm", "wrong-password").result.status, 401u);  // the 6th starts the back-off
    auto blocked = loginAs(Role::Admin);
    EXPECT_EQ(blocked.result.status, 429u);
    EXPECT_EQ(blocked.result.header("retry-after"), "1");
    EXPECT_TRUE(blocked.result.header("set-cookie").empty());
    advance(2s);
    EXPECT_EQ(loginAs(Role::Admin).result.status, 200u);
    // Success cleared the count: one more failure is free again.
    EXPECT_EQ(login("adm", "wrong-password").result.status, 401u);
    EXPECT_EQ(loginAs(Role::Admin).result.status, 200u);
}

TEST_F(HttpApiTest, ManyUserNamesFromOneAddressAreThrottledToo) {
    for (int i = 0; i < 6; ++i) ASSERT_EQ(login("guess" + std::to_string(i), "password1").result.status, 401u);
    EXPECT_EQ(loginAs(Role::Monitor).result.status, 429u);  // this address is waiting
}

TEST_F(HttpApiTest, GuessingApiKeysIsThrottled) {
    for (int i = 0; i < 6; ++i) ASSERT_EQ(postWithKey("start", "sfk_" + std::string(64, '0' + i)).status, 401u) << i;
    auto r = postWithKey("start", keyOf_[Role::Admin]);
    EXPECT_EQ(r.status, 429u);
    EXPECT_FALSE(r.header("retry-after").empty());
}

// --- roles -------------------------------------------------------------------

TEST_F(HttpApiTest, EveryRoleAgainstEveryCommand) {
    CommandRoles roles;
    std::map<Role, Login> sessions;
    for (Role role : {Role::Monitor, Role::Control, Role::Admin}) {
        sessions[role] = loginAs(role);
        ASSERT_EQ(sessions[role].result.status, 200u);
    }
    for (const auto& c : registry_.list()) {
        if (c.name == "who" || c.name == "logs") continue;  // they answer errors on purpose
        Role need = roles.required(c.name);
        for (Role role : {Role::Monitor, Role::Control, Role::Admin}) {
            unsigned expected = allows(role, need) ? 200u : 403u;
            auto viaSession = postCommand(c.name, sessions[role], R"({"module": "farm"})");
            EXPECT_EQ(viaSession.status, expected) << c.name << " as " << roleName(role) << ": " << viaSession.body;
            auto viaKey = postWithKey(c.name, keyOf_[role], R"({"module": "farm"})");
            EXPECT_EQ(viaKey.status, expected) << c.name << " with the " << roleName(role) << " key: " << viaKey.body;
            if (expected == 403u) {
                EXPECT_EQ(viaKey.json()["text"], "'" + c.name + "' needs role " + roleName(need) + "; " +
                                                     kUserOf.at(role) + "-key is " + roleName(role));
            }
        }
    }
}

TEST_F(HttpApiTest, RefusedCommandsAreNeverDispatched) {
    auto mon = loginAs(Role::Monitor);
    int before = calls_;
    EXPECT_EQ(postCommand("start", mon).status, 403u);
    EXPECT_EQ(postCommand("module-install", mon).status, 403u);
    EXPECT_EQ(client().post("/api/v1/commands/start", "{}").status, 401u);
    EXPECT_EQ(calls_, before);
}

TEST_F(HttpApiTest, UnclassifiedCommandNeedsAdmin) {
    EXPECT_EQ(postWithKey("config-deploy", keyOf_[Role::Control]).status, 403u);
    EXPECT_EQ(postWithKey("config-deploy", keyOf_[Role::Admin]).status, 200u);
}

TEST_F(HttpApiTest, ListCommandsSaysWhatTheCallerMayDo) {
    auto r = client().get("/api/v1/commands", {{"Authorization", "Bearer " + keyOf_[Role::Control]}});
    ASSERT_EQ(r.status, 200u);
    std::map<std::string, bool> allowed;
    auto j = r.json();
    for (const auto& c : j["arguments"]["commands"]) allowed[c["name"]] = c["allowed"];
    EXPECT_EQ(allowed.size(), registry_.list().size());
    EXPECT_TRUE(allowed["state"]);
    EXPECT_TRUE(allowed["stop"]);
    EXPECT_FALSE(allowed["module-install"]);
    EXPECT_EQ(client().get("/api/v1/commands").status, 401u);
}

TEST_F(HttpApiTest, ADemotedOrRemovedUserLosesRightsAtOnce) {
    auto l = loginAs(Role::Control);
    ASSERT_EQ(postCommand("start", l).status, 200u);
    // Demoted in the file (the password as it was): the session stays, the
    // rights go at once.
    auto file = (dir_ / "users.json").string();
    nlohmann::json j = nlohmann::json::parse(std::ifstream(file));
    ASSERT_TRUE(j.contains("users") && j["users"].contains("ctl")) << j.dump();
    j["users"]["ctl"]["role"] = "monitor";
    std::ofstream(file) << j.dump();
    Result<void> reloaded = success();
    onIo([&] { reloaded = server_->reloadUsers(); });
    ASSERT_TRUE(reloaded.ok()) << reloaded.error().message();
    EXPECT_EQ(postCommand("start", l).status, 403u);
    EXPECT_EQ(client().get("/api/v1/session", {{"Cookie", l.cookie}}).status, 200u);
    auto users = UserStore::load(file);
    ASSERT_TRUE(users.ok());
    users->removeUser("ctl");
    ASSERT_TRUE(users->save((dir_ / "users.json").string()).ok());
    onIo([&] { reloaded = server_->reloadUsers(); });
    EXPECT_EQ(client().get("/api/v1/session", {{"Cookie", l.cookie}}).status, 401u);
}

// A password changed (it may have leaked) ends the user's sessions; the
// others' stay (issue 14: they lived on after the change and a SIGHUP).
TEST_F(HttpApiTest, ANewPasswordEndsTheUsersSessions) {
    auto ctl = loginAs(Role::Control), adm = loginAs(Role::Admin);
    auto users = UserStore::load((dir_ / "users.json").string());
    ASSERT_TRUE(users.ok());
    ASSERT_TRUE(users->setUser("ctl", Role::Control, "a-new-password", kMinPbkdf2Iterations).ok());
    ASSERT_TRUE(users->save((dir_ / "users.json").string()).ok());
    Result<void> reloaded = success();
    onIo([&] { reloaded = server_->reloadUsers(); });
    ASSERT_TRUE(reloaded.ok());
    EXPECT_EQ(client().get("/api/v1/session", {{"Cookie", ctl.cookie}}).status, 401u);
    EXPECT_EQ(client().get("/api/v1/session", {{"Cookie", adm.cookie}}).status, 200u);
    EXPECT_EQ(login("ctl", "a-new-password").result.status, 200u);
}

// --- CSRF and API keys ------------------------------------------------------

TEST_F(HttpApiTest, CookieChangesNeedTheCsrfToken) {
    auto l = loginAs(Role::Admin);
    int before = calls_;
    auto none = client().post("/api/v1/commands/start", "{}", {{"Cookie", l.cookie}});
    EXPECT_EQ(none.status, 403u);
    EXPECT_EQ(none.json()["text"], "missing or wrong X-CSRF-Token");
    auto wrong =
        client().post("/api/v1/commands/start", "{}", {{"Cookie", l.cookie}, {"X-CSRF-Token", std::string(64, 'f')}});
    EXPECT_EQ(wrong.status, 403u);
    // Another session's token does not fit this one.
    auto other = loginAs(Role::Admin);
    EXPECT_EQ(
        client().post("/api/v1/commands/start", "{}", {{"Cookie", l.cookie}, {"X-CSRF-Token", other.csrf}}).status,
        403u);
    EXPECT_EQ(calls_, before);
    EXPECT_EQ(postCommand("start", l).status, 200u);
    EXPECT_EQ(calls_, before + 1);
}

TEST_F(HttpApiTest, ReadsNeedNoCsrfToken) {
    auto l = loginAs(Role::Monitor);
    auto r = client().get("/api/v1/commands/state?module=farm", {{"Cookie", l.cookie}});
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.json()["arguments"]["module"], "farm");
}

TEST_F(HttpApiTest, ApiKeysNeedNoCsrfTokenAndBadOnesAre401) {
    auto r = postWithKey("start", keyOf_[Role::Control], R"({"module": "farm", "args": {"force": true}})");
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.json()["arguments"]["args"]["force"], true);
    auto bad = postWithKey("start", "sfk_nope");
    EXPECT_EQ(bad.status, 401u);
    EXPECT_EQ(bad.header("www-authenticate"), "Bearer realm=\"safefarm\"");
    EXPECT_EQ(client().post("/api/v1/commands/start", "{}", {{"Authorization", "Basic YWRtOmFkbQ=="}}).status, 401u);
}

// --- commands: the envelope and its statuses ---------------------------------

TEST_F(HttpApiTest, CommandRepliesAreTheSafectlEnvelope) {
    auto r = postWithKey("state", keyOf_[Role::Monitor], R"({"module": "farm", "args": {"x": 1}})");
    ASSERT_EQ(r.status, 200u);
    EXPECT_EQ(r.header("content-type"), "application/json");
    auto j = r.json();
    EXPECT_EQ(j["result"], 0);
    EXPECT_EQ(j["text"], "state farm");
    EXPECT_EQ(j["arguments"]["args"]["x"], 1);
    // An empty body is an empty request; the command comes from the path.
    EXPECT_EQ(postWithKey("state", keyOf_[Role::Monitor], "").json()["text"], "state ");
    EXPECT_EQ(postWithKey("state", keyOf_[Role::Monitor], R"({"command": "state"})").status, 200u);
}

TEST_F(HttpApiTest, MalformedBodiesAre400) {
    auto key = keyOf_[Role::Admin];
    for (const char* body :
         {"{", "[1,2]", "\"state\"", R"({"module": 5})", R"({"args": [1]})", R"({"command": "module-remove"})"}) {
        auto r = postWithKey("state", key, body);
        EXPECT_EQ(r.status, 400u) << body;
        EXPECT_EQ(r.json()["result"], 1) << body;
    }
    EXPECT_EQ(postWithKey("state", key, "{").json()["text"], "malformed JSON in the request body");
}

TEST_F(HttpApiTest, UnknownCommandIs404ButOnlyToTheAuthenticated) {
    EXPECT_EQ(client().post("/api/v1/commands/nosuch", "{}").status, 401u);
    auto r = postWithKey("nosuch", keyOf_[Role::Admin]);
    EXPECT_EQ(r.status, 404u);
    EXPECT_EQ(r.json()["result"], 2);
    EXPECT_EQ(postWithKey("BAD%20name", keyOf_[Role::Admin]).status, 404u);
    EXPECT_EQ(client().get("/api/v2/anything", {{"Authorization", "Bearer " + keyOf_[Role::Admin]}}).status, 404u);
}

TEST_F(HttpApiTest, ChangesAreNeverAcceptedAsGetAndOtherMethodsAre405) {
    auto key = keyOf_[Role::Admin];
    auto get = client().get("/api/v1/commands/start", {{"Authorization", "Bearer " + key}});
    EXPECT_EQ(get.status, 405u);
    EXPECT_EQ(get.header("allow"), "POST");
    auto put =
        client().call(HttpCall{bhttp::verb::put, "/api/v1/commands/state", "{}", {{"Authorization", "Bearer " + key}}});
    EXPECT_EQ(put.status, 405u);
    EXPECT_EQ(put.header("allow"), "GET, POST");
    EXPECT_EQ(client().call(HttpCall{bhttp::verb::delete_, "/api/v1/commands/stop", "", {}}).status, 405u);
}

TEST_F(HttpApiTest, FailedCommandIs500EmptyIs200) {
    auto key = keyOf_[Role::Admin];
    auto failed = postWithKey("who", key);
    EXPECT_EQ(failed.status, 500u);
    EXPECT_EQ(failed.json()["result"], 1);
    EXPECT_EQ(failed.json()["text"], "args.client: not an address");
    auto empty = postWithKey("logs", key);
    EXPECT_EQ(empty.status, 200u);
    EXPECT_EQ(empty.json()["result"], 3);
}

TEST_F(HttpApiTest, ACommandMayAnswerLaterFromAnotherThread) {
    auto r = postWithKey("stop", keyOf_[Role::Control], R"({"module": "farm"})");
    ASSERT_EQ(r.status, 200u) << r.error;
    EXPECT_EQ(r.json()["text"], "farm: stopped");
}

// --- transport limits -----------------------------------------------------------

TEST_F(HttpApiTest, OversizedBodyIs413) {
    std::string big = R"({"module": ")" + std::string(100 * 1024, 'x') + R"("})";
    int before = calls_;
    auto r = postWithKey("start", keyOf_[Role::Admin], big);
    EXPECT_EQ(r.status, 413u) << r.error;
    EXPECT_EQ(r.header("connection"), "close");
    EXPECT_EQ(calls_, before);
    // Announced but not sent: refused on the header alone.
    auto raw = client().raw("POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n{");
    EXPECT_TRUE(raw.starts_with("HTTP/1.1 413")) << raw;
}

TEST_F(HttpApiTest, ExpectContinueGetsTheGoAheadAtOnce) {
    std::string body = R"({"module": "farm"})";
    auto raw = client().raw("POST /api/v1/commands/state HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                            keyOf_[Role::Monitor] + "\r\nExpect: 100-continue\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    EXPECT_TRUE(raw.starts_with("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")) << raw;
    EXPECT_NE(raw.find("\"text\":\"state farm\""), std::string::npos) << raw;
}

TEST_F(HttpApiTest, OversizedHeaderIs431AndGarbageIs400) {
    auto big = client().get("/", {{"X-Padding", std::string(20 * 1024, 'p')}});
    EXPECT_EQ(big.status, 431u) << big.error;
    auto garbage = client().raw("THIS IS NOT HTTP\r\n\r\n");
    EXPECT_TRUE(garbage.starts_with("HTTP/1.1 400")) << garbage;
}

TEST_F(HttpApiTest, KeepAliveServesSeveralRequestsOnOneConnection) {
    auto key = keyOf_[Role::Monitor];
    auto results = client().callKeepAlive({
        HttpCall{bhttp::verb::get, "/api/v1/commands/state?module=a", "", {{"Authorization", "Bearer " + key}}},
        HttpCall{bhttp::verb::get, "/index.html", "", {}},
        HttpCall{
            bhttp::verb::post, "/api/v1/commands/status", R"({"module": "b"})", {{"Authorization", "Bearer " + key}}},
    });
    ASSERT_EQ(results.size(), 3u);
    EXPECT_EQ(results[0].json()["arguments"]["module"], "a");
    EXPECT_EQ(results[1].status, 200u);
    EXPECT_EQ(results[2].json()["arguments"]["module"], "b");
}

// --- ready.txt, metrics ------------------------------------------------------

TEST_F(HttpApiTest, ReadyTxtIs200OnlyForAnUpModuleAndNeedsNoLogin) {
    auto up = client().get("/var/modules/farm/ready.txt");
    EXPECT_EQ(up.status, 200u);
    EXPECT_EQ(up.body, "ready\n");
    EXPECT_EQ(client().get("/var/modules/other/ready.txt").status, 404u);
    EXPECT_EQ(client().get("/var/modules/../ready.txt").status, 404u);
    EXPECT_EQ(client().get("/var/modules/farm/ready.txt/x").status, 404u);
    EXPECT_EQ(client().post("/var/modules/farm/ready.txt", "").status, 405u);
    EXPECT_EQ(client().call(HttpCall{bhttp::verb::head, "/var/modules/farm/ready.txt", "", {}}).status, 200u);
}

TEST_F(HttpApiTest, MetricsInPrometheusTextWithoutLogin) {
    auto r = client().get("/metrics");
    ASSERT_EQ(r.status, 200u);
    EXPECT_EQ(r.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_NE(r.body.find("safefarm_module_state{node=\"node1\",module=\"farm\",state=\"UP\"} 1\n"), std::string::npos);
    EXPECT_NE(r.body.find("safefarm_packets_total{node=\"node1\",module=\"farm\",verdict=\"pass\"} 7\n"),
              std::string::npos);
}

// --- static files -----------------------------------------------------------------

TEST_F(HttpApiTest, StaticFilesWithContentTypesAndSecurityHeaders) {
    auto index = client().get("/");
    ASSERT_EQ(index.status, 200u);
    EXPECT_EQ(index.body, "<!doctype html><title>safefarm</title>");
    EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(index.header("x-content-type-options"), "nosniff");
    EXPECT_EQ(index.header("x-frame-options"), "DENY");
    EXPECT_NE(index.header("content-security-policy").find("default-src 'self'"), std::string::npos);
    EXPECT_EQ(client().get("/js/app.js").header("content-type"), "text/javascript; charset=utf-8");
    EXPECT_EQ(client().get("/style.css").header("content-type"), "text/css; charset=utf-8");
    EXPECT_EQ(client().get("/logo.svg").header("content-type"), "image/svg+xml");
    EXPECT_EQ(client().get("/missing.html").status, 404u);
    auto head = client().call(HttpCall{bhttp::verb::head, "/index.html", "", {}});
    EXPECT_EQ(head.status, 200u);
    EXPECT_EQ(head.header("content-length"), "38");
    EXPECT_EQ(client().post("/index.html", "x").status, 405u);
}

TEST_F(HttpApiTest, PathTraversalIsRefused) {
    for (const char* p : {"/../secret.txt", "/js/../../secret.txt", "/%2e%2e/secret.txt",
                          "/js/%2E%2E/%2e%2e/secret.txt", "/..%2fsecret.txt", "/leak.txt", "/%00"}) {
        auto r = client().get(p);
        EXPECT_TRUE(r.status == 400u || r.status == 404u) << p << " -> " << r.status;
        EXPECT_EQ(r.body.find("top secret"), std::string::npos) << p;
    }
}

// --- timeouts -----------------------------------------------------------------

class HttpTimeoutTest : public ApiFixture {
protected:
    void adjust(HttpOptions& o) override { o.headerTimeout = std::chrono::seconds(1); }
};

TEST_F(HttpTimeoutTest, AnIdleOrSlowClientIsCutOff) {
    auto t0 = std::chrono::steady_clock::now();
    // Half a request, then silence: the server hangs up after its timeout.
    auto got = client().raw("GET / HTTP/1.1\r\nHost: x\r\n", std::chrono::milliseconds(5000));
    auto spent = std::chrono::steady_clock::now() - t0;
    EXPECT_TRUE(got.empty()) << got;
    EXPECT_GE(spent, 900ms);
    EXPECT_LT(spent, 4000ms);
}

}  // namespace
}  // namespace safefarm::http::test
