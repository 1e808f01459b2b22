// What the control API answers, apart from how bytes move (HttpServer):
// routing, authentication, roles, CSRF, and the bridge into the command
// registry. Routes (DESIGN §6, issue 6):
//
//   POST /api/v1/commands/<name>   body {"module": "...", "args": {...}}: the
//                                  safectl envelope, command from the path;
//                                  "node": "n2" runs it on n2 (through n2's
//                                  API), "node": "all" on every node
//   GET  /api/v1/commands/<name>   read-only commands only, ?module=NAME&node=N
//   GET  /api/v1/commands          commands, their role, and the caller's right
//   GET  /api/v1/snapshot?module=M every node's snapshot in one .zip (admin)
//   POST /api/v1/login             {"user", "password"} -> session cookie + csrf_token
//   POST /api/v1/logout            ends the session
//   GET  /api/v1/session           who the caller is (and the csrf_token again)
//   POST /api/v1/peer/commands/<name>  a command another node forwards
//                                  (signed with the cluster key, PeerAuth.h)
//   GET  /api/openapi.json         OpenAPI 3 of all this, from the registry
//   GET  /var/modules/<m>/ready.txt  200 if <m> is UP here, else 404 (no auth)
//   GET  /metrics                  Prometheus text (no auth unless configured)
//   GET  /anything-else            a file of the web folder (no auth: the
//                                  console's pages hold no data)
//
// Every API answer is the envelope {"result", "text", "arguments"} with a
// status that says the same: 200 done, 400 malformed, 401 who are you, 403
// not allowed (role, CSRF), 404 unknown, 405 method, 413 too large, 429 too
// many failed logins (Retry-After), 500 the command failed.
//
// Runs on the io_context's thread. The password checks run on a thread of
// their own: a PBKDF2 costs a quarter of a second, and safed's heartbeats
// share that io_context.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/Result.h"
#include "control/CommandRegistry.h"
#include "http/CommandRoles.h"
#include "http/HttpHooks.h"
#include "http/HttpOptions.h"
#include "http/LoginThrottle.h"
#include "http/PeerTls.h"
#include "http/SessionStore.h"
#include "http/StaticFiles.h"
#include "http/UserStore.h"
#include "http/WarnLimiter.h"

namespace safefarm::http {

// The one unauthenticated request with a body (HttpServer caps it on its
// header, HttpApi::login checks it).
inline constexpr std::string_view kLoginPath = "/api/v1/login";

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;
// May be called from any thread (a command answers when its work is done).
using Respond = std::function<void(HttpResponse)>;

inline constexpr const char* kSessionCookie = "safefarm_session";

struct Peer {
    std::string address;  // the client's IP, for the login throttle and the audit log
    bool tls = false;
    // The connection's channelBinding() when it is the cluster's TLS channel
    // (the caller showed the cluster's certificate, PeerTls.h); "" otherwise.
    // Only such a connection may carry a peer call.
    std::string peerChannel;
};

class HttpApi {
public:
    HttpApi(boost::asio::any_io_executor executor, const control::CommandRegistry& registry, HttpOptions options,
            HttpHooks hooks);
    ~HttpApi();
    HttpApi(const HttpApi&) = delete;
    HttpApi& operator=(const HttpApi&) = delete;

    // Reads options.usersFile; on error the users known before stay.
    Result<void> loadUsers();
    // Replaces the users; sessions of users no longer there end.
    void setUsers(UserStore users);
    CommandRoles& roles() { return roles_; }
    // The cluster's TLS identity (from hooks.peers.key), or null without a
    // key: HttpServer answers peer connections with it.
    std::shared_ptr<const PeerIdentity> peerIdentity() const { return identity_; }

    void handle(HttpRequest request, const Peer& peer, Respond respond);

    // Waits for password checks in flight; their answers are dropped.
    void stop();

private:
    struct Auth;
    Auth authenticate(const HttpRequest& req, const Peer& peer);
    void login(const HttpRequest& req, const Peer& peer, Respond respond);
    void logout(const HttpRequest& req, const Peer& peer, Respond respond);
    void session(const HttpRequest& req, const Peer& peer, Respond respond);
    void listCommands(const HttpRequest& req, const Peer& peer, Respond respond);
    void command(const std::string& name, const std::string& query, const HttpRequest& req, const Peer& peer,
                 Respond respond);
    void snapshot(const std::string& query, const HttpRequest& req, const Peer& peer, Respond respond);
    void peerCommand(const std::string& name, const HttpRequest& req, const Peer& peer, Respond respond);
    void metrics(const HttpRequest& req, const Peer& peer, Respond respond);
    void ready(const std::string& module, const HttpRequest& req, Respond respond);
    void staticFile(const std::string& path, const HttpRequest& req, Respond respond);
    std::string dummyHash() const;
    bool servesTls() const;
    bool plainAllowed(std::string_view path) const;
    HttpResponse toHttps(const HttpRequest& req) const;

    boost::asio::any_io_executor executor_;
    const control::CommandRegistry& registry_;
    HttpOptions options_;
    HttpHooks hooks_;
    CommandRoles roles_;
    UserStore users_;
    SessionStore sessions_;
    LoginThrottle throttle_;
    WarnLimiter warnings_;  // what an unauthenticated sender can make us log: a line per sender per 10 s
    StaticFiles files_;
    std::shared_ptr<const PeerIdentity> identity_;
    std::unique_ptr<PeerTransport> transport_;  // when hooks_.peers brings none
    std::unique_ptr<PeerRelay> relay_;
    boost::asio::thread_pool hasher_{1};
    std::size_t pendingLogins_ = 0;
    // Work posted back from the hashing thread checks this before touching
    // `this`: the API may be gone by the time a hash is done.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// The reply envelope as an HTTP answer (also used by HttpServer for the
// refusals it makes before a request is whole: 413, 431, 400).
HttpResponse envelopeResponse(unsigned status, const control::Reply& reply);
HttpResponse errorResponse(unsigned status, std::string text);
// The HTTP status that says what a reply's result code says.
unsigned httpStatusFor(control::ResultCode code);

}  // namespace safefarm::http
