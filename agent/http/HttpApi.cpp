#include "http/HttpApi.h"

#include <boost/asio/post.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>

#include <spdlog/spdlog.h>

#include <charconv>

#include "common/OneLine.h"
#include "http/Crypto.h"
#include "http/HttpLog.h"
#include "http/OpenApi.h"
#include "http/PrometheusText.h"
#include "http/ZipArchive.h"

namespace safefarm::http {

namespace beast_http = boost::beast::http;
using beast_http::field;
using beast_http::status;
using beast_http::verb;
using control::MessageId;
using control::Reply;
using control::ResultCode;
using nlohmann::json;

namespace {

constexpr std::string_view kCommandsPrefix = "/api/v1/commands/";

// Headers every answer carries: nothing of ours is framed, sniffed, or
// allowed to load from elsewhere (the console has no CDN, so 'self' is all).
void secure(HttpResponse& res) {
    res.set(field::server, "safed");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("X-Frame-Options", "DENY");
    res.set("Referrer-Policy", "no-referrer");
    res.set("Content-Security-Policy",
            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
}

HttpResponse textResponse(unsigned code, std::string contentType, std::string body) {
    HttpResponse res{static_cast<status>(code), 11};
    secure(res);
    res.set(field::content_type, contentType);
    res.set(field::cache_control, "no-store");
    res.body() = std::move(body);
    return res;
}

HttpResponse methodNotAllowed(const char* allow) {
    auto res = errorResponse(405, std::string("method not allowed; use ") + allow);
    res.set(field::allow, allow);
    return res;
}

HttpResponse tooMany(std::chrono::seconds wait, std::string text) {
    auto res = errorResponse(429, std::move(text));
    res.set(field::retry_after, std::to_string(std::max<long long>(1, wait.count())));
    return res;
}

std::string cookieValue(const HttpRequest& req, std::string_view name) {
    for (auto it = req.find(field::cookie); it != req.end() && it->name() == field::cookie; ++it) {
        std::string_view all(it->value().data(), it->value().size());
        while (!all.empty()) {
            auto semi = all.find(';');
            auto pair = all.substr(0, semi);
            all = semi == std::string_view::npos ? std::string_view() : all.substr(semi + 1);
            while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
            auto eq = pair.find('=');
            if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
        }
    }
    return {};
}

std::string queryValue(std::string_view query, std::string_view name) {
    while (!query.empty()) {
        auto amp = query.find('&');
        auto pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        auto eq = pair.find('=');
        if (pair.substr(0, eq) != name) continue;
        std::string raw(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1)), out;
        for (auto& c : raw)
            if (c == '+') c = ' ';
        return percentDecode(raw, out) ? out : std::string();
    }
    return {};
}

bool validCommandName(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
    return true;
}

// What a client sent, fit for one log line: control characters (a forged
// line) escaped, and cut short.
std::string loggable(std::string_view s) { return oneLine(s.substr(0, 128)); }

bool changes(const HttpRequest& req) { return req.method() != verb::get && req.method() != verb::head; }

bool iequals(std::string_view a, std::string_view b) {
    return boost::beast::iequals(boost::beast::string_view(a.data(), a.size()),
                                 boost::beast::string_view(b.data(), b.size()));
}

// Content-Type: application/json, with or without parameters (charset).
bool isJson(const HttpRequest& req) {
    std::string_view type(req[field::content_type].data(), req[field::content_type].size());
    type = type.substr(0, type.find(';'));
    while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
    return iequals(type, "application/json");
}

// A browser names the page a request comes from in Origin; ours is
// scheme://Host. No Origin: not a browser's cross-site request (curl,
// safectl, an old browser's same-origin request).
bool sameOrigin(const HttpRequest& req) {
    auto it = req.find(field::origin);
    if (it == req.end()) return true;
    std::string_view origin(it->value().data(), it->value().size()),
        host(req[field::host].data(), req[field::host].size());
    for (std::string_view scheme : {"http://", "https://"})
        if (origin.starts_with(scheme)) return !host.empty() && iequals(origin.substr(scheme.size()), host);
    return false;  // "null" (a sandboxed or redirected page), or anything else
}

std::string sessionCookie(const std::string& value, long long maxAge, bool tls) {
    return std::string(kSessionCookie) + "=" + value + "; Path=/; Max-Age=" + std::to_string(maxAge) +
           "; HttpOnly; SameSite=Strict" + (tls ? "; Secure" : "");
}

}  // namespace

HttpResponse envelopeResponse(unsigned code, const Reply& reply) {
    // Texts may carry script output that is not UTF-8: replace, never throw.
    return textResponse(code, "application/json",
                        control::toJson(reply).dump(-1, ' ', false, json::error_handler_t::replace));
}

unsigned httpStatusFor(ResultCode code) {
    switch (code) {
        case ResultCode::Success:
        case ResultCode::Empty: return 200;
        case ResultCode::Unsupported: return 404;
        case ResultCode::Forbidden: return 403;
        case ResultCode::Error: return 500;
    }
    return 500;
}

HttpResponse errorResponse(unsigned code, std::string text) {
    ResultCode rc = code == 401 || code == 403   ? ResultCode::Forbidden
                    : code == 404 || code == 405 ? ResultCode::Unsupported
                                                 : ResultCode::Error;
    return envelopeResponse(code, Reply{rc, std::move(text), json::object()});
}

// Who sent a request, or why we will not say.
struct HttpApi::Auth {
    std::optional<Identity> who;
    const Session* session = nullptr;  // set when the cookie authenticated
    std::optional<HttpResponse> refusal;
};

HttpApi::HttpApi(boost::asio::any_io_executor executor, const control::CommandRegistry& registry, HttpOptions options,
                 HttpHooks hooks)
    : executor_(std::move(executor)),
      registry_(registry),
      options_(std::move(options)),
      hooks_(std::move(hooks)),
      sessions_(hooks_.clock, options_.sessionIdle, options_.sessionLifetime, options_.maxSessions,
                options_.maxSessionsPerUser),
      throttle_(hooks_.clock, options_.loginThrottle),
      warnings_(hooks_.clock, std::chrono::seconds(10)),
      files_(options_.webRoot) {
    auto peers = hooks_.peers;
    if (!peers.key.empty()) {  // too short: PeerIdentity says so, and that is the reason given
        auto identity = PeerIdentity::fromClusterKey(peers.key);
        auto client = identity ? peerClientContext(identity.value()) : identity.error();
        if (client) {
            identity_ = identity.value();
            if (!peers.transport) {
                transport_ = makeBeastTransport(executor_, client.value());
                peers.transport = transport_.get();
            }
        } else {
            peers.key.clear();
            peers.keyProblem = client.error().message();
        }
    }
    relay_ = std::make_unique<PeerRelay>(executor_, std::move(peers), registry_);
}

HttpApi::~HttpApi() { stop(); }

void HttpApi::stop() {
    *alive_ = false;
    hasher_.join();
}

Result<void> HttpApi::loadUsers() {
    if (options_.usersFile.empty()) return success();
    auto loaded = UserStore::load(options_.usersFile);
    if (!loaded) return loaded.error();
    setUsers(std::move(loaded.value()));
    return success();
}

// A user removed, or given a new password, is logged out everywhere: a
// password changed because it leaked must end the sessions it opened. A
// role changed keeps the sessions (the role is read at every request).
void HttpApi::setUsers(UserStore users) {
    for (const auto& [name, entry] : users_.users()) {
        const UserEntry* now = users.findUser(name);
        if (!now || now->passwordHash != entry.passwordHash) sessions_.removeUser(name);
    }
    users_ = std::move(users);
}

HttpApi::Auth HttpApi::authenticate(const HttpRequest& req, const Peer& peer) {
    Auth auth;
    auto authorization = req.find(field::authorization);
    if (authorization != req.end()) {
        std::string_view value(authorization->value().data(), authorization->value().size());
        if (value.substr(0, 7) != "Bearer ") {
            auth.refusal = errorResponse(401, "Authorization: only 'Bearer <API key>' is accepted");
            return auth;
        }
        // Guessing keys is throttled like guessing passwords.
        auto addr = LoginThrottle::addressKey(peer.address);
        if (auto wait = throttle_.retryAfter(addr); wait.count() > 0) {
            auth.refusal = tooMany(wait, "too many failed attempts from " + peer.address);
            return auth;
        }
        auth.who = users_.findApiKey(value.substr(7));
        if (!auth.who) {
            throttle_.failed(addr);
            auth.refusal = errorResponse(401, "unknown API key");
            auth.refusal->set(field::www_authenticate, "Bearer realm=\"safefarm\"");
        }
        return auth;
    }
    std::string id = cookieValue(req, kSessionCookie);
    if (id.empty()) {
        auth.refusal = errorResponse(401, "authentication required: log in, or send an API key");
        return auth;
    }
    const Session* s = sessions_.find(id);
    const UserEntry* user = s ? users_.findUser(s->user) : nullptr;
    if (!user) {
        auth.refusal = errorResponse(401, "session expired or unknown: log in again");
        return auth;
    }
    // The role is read now, not at login: a demoted user is demoted at once.
    auth.who = Identity{s->user, user->role};
    auth.session = s;
    return auth;
}

void HttpApi::handle(HttpRequest req, const Peer& peer, Respond respond) {
    std::string_view target(req.target().data(), req.target().size());
    auto qm = target.find('?');
    std::string path(target.substr(0, qm));
    std::string query(qm == std::string_view::npos ? std::string_view() : target.substr(qm + 1));
    try {
        if (!peer.tls && servesTls() && !plainAllowed(path)) return respond(toHttps(req));
        if (path == "/api/openapi.json") {
            if (req.method() != verb::get && req.method() != verb::head) return respond(methodNotAllowed("GET"));
            return respond(textResponse(200, "application/json", openApiDocument(registry_, roles_).dump(2)));
        }
        if (path == kLoginPath) return login(req, peer, respond);
        if (path == "/api/v1/logout") return logout(req, peer, respond);
        if (path == "/api/v1/session") return session(req, peer, respond);
        if (path == "/api/v1/commands") return listCommands(req, peer, respond);
        if (path == "/api/v1/snapshot") return snapshot(query, req, peer, respond);
        if (path.starts_with(kPeerCommandsPrefix))
            return peerCommand(path.substr(kPeerCommandsPrefix.size()), req, peer, respond);
        if (path.starts_with(kCommandsPrefix))
            return command(path.substr(kCommandsPrefix.size()), query, req, peer, respond);
        if (path.starts_with("/api/")) return respond(errorResponse(404, "no such API path: " + path));
        if (path == "/metrics") return metrics(req, peer, respond);
        constexpr std::string_view kModules = "/var/modules/", kReady = "/ready.txt";
        if (path.starts_with(kModules) && path.ends_with(kReady) && path.size() > kModules.size() + kReady.size())
            return ready(path.substr(kModules.size(), path.size() - kModules.size() - kReady.size()), req, respond);
        return staticFile(path, req, respond);
    } catch (const std::exception& e) {
        httpLog(spdlog::level::err, MessageId::SF_HTTP_ERROR, "{} {} from {}: {}", std::string(req.method_string()),
                path, peer.address, e.what());
        respond(errorResponse(500, "internal error (safed's log says more)"));
    }
}

// With TLS, plain HTTP answers only what health checks and Prometheus read
// without credentials; the rest is sent to https (a password or a session
// cookie must not travel in clear, and a console opened on http:// finds
// its way).
bool HttpApi::servesTls() const { return !options_.tlsCertFile.empty() && !options_.tlsKeyFile.empty(); }

bool HttpApi::plainAllowed(std::string_view path) const {
    constexpr std::string_view kModules = "/var/modules/", kReady = "/ready.txt";
    if (path.starts_with(kModules) && path.ends_with(kReady)) return true;
    return path == "/metrics" && !options_.metricsNeedAuth;
}

HttpResponse HttpApi::toHttps(const HttpRequest& req) const {
    auto host = req[field::host];
    bool fine = !host.empty() && host.size() <= 255;
    for (char c : host)
        fine = fine && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '[' ||
                        c == ']');
    if (!fine) return errorResponse(400, "this API speaks HTTPS only (plain HTTP: ready.txt and /metrics)");
    auto res =
        errorResponse(308, "this API speaks HTTPS: use https://" + std::string(host) + std::string(req.target()));
    res.set(field::location, "https://" + std::string(host) + std::string(req.target()));
    return res;
}

// A login is checked before its body is parsed (the server capped it at
// HttpOptions::maxLoginBodyBytes on its header): JSON only, from this
// console's own origin, from an address not waiting out failures. A
// cross-site form can send neither that content type nor our Origin, so it
// cannot log a browser into another account.
void HttpApi::login(const HttpRequest& req, const Peer& peer, Respond respond) {
    if (req.method() != verb::post) return respond(methodNotAllowed("POST"));
    if (!isJson(req)) return respond(errorResponse(415, "login needs Content-Type: application/json"));
    if (!sameOrigin(req)) return respond(errorResponse(403, "login from another site's page (Origin) refused"));
    auto addrKey = LoginThrottle::addressKey(peer.address);
    // Refused before parsing or hashing: a throttled guesser costs us nothing.
    if (auto wait = throttle_.retryAfter(addrKey); wait.count() > 0)
        return respond(tooMany(wait, "too many failed logins: try again in " + std::to_string(wait.count()) + " s"));
    json body = json::parse(req.body(), nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded() || !body.is_object() || !body.contains("user") || !body["user"].is_string() ||
        !body.contains("password") || !body["password"].is_string())
        return respond(errorResponse(400, "login needs a JSON object {\"user\": ..., \"password\": ...}"));
    std::string user = body["user"], password = body["password"];
    auto userKey = LoginThrottle::userKey(user);
    if (auto wait = throttle_.retryAfter(userKey); wait.count() > 0)
        return respond(tooMany(wait, "too many failed logins: try again in " + std::to_string(wait.count()) + " s"));
    // A name no user can have: refused without hashing, and never logged
    // as sent (it could carry newlines into the log).
    if (!UserStore::validName(user)) {
        throttle_.failed(addrKey);
        if (uint64_t held = 0; warnings_.allow("login " + peer.address, held))
            httpLog(spdlog::level::warn, MessageId::SF_HTTP_LOGIN_FAILED,
                    "failed login with an invalid user name from {}{}", peer.address, heldBack(held));
        return respond(errorResponse(401, "wrong user name or password"));
    }
    if (pendingLogins_ >= options_.maxPendingLogins)
        return respond(tooMany(std::chrono::seconds(1), "too many logins at once"));

    // An unknown user costs the same hash as a known one, so timing does
    // not tell which names exist.
    const UserEntry* entry = users_.findUser(user);
    std::string hash = entry ? entry->passwordHash : dummyHash();
    bool known = entry != nullptr;
    ++pendingLogins_;
    std::weak_ptr<bool> alive = alive_;
    boost::asio::post(hasher_, [=, this, password = std::move(password)]() mutable {
        auto verified = verifyPassword(password, hash);
        bool ok = known && verified.ok() && verified.value();
        boost::asio::post(executor_, [=, this]() {
            auto a = alive.lock();
            if (!a || !*a) return;
            --pendingLogins_;
            if (!ok) {
                throttle_.failed(addrKey);
                throttle_.failed(userKey, /*keep=*/known);  // a real user's count is never dropped for room
                if (uint64_t held = 0; warnings_.allow("login " + peer.address, held))
                    httpLog(spdlog::level::warn, MessageId::SF_HTTP_LOGIN_FAILED, "failed login for '{}' from {}{}",
                            user, peer.address, heldBack(held));
                return respond(errorResponse(401, "wrong user name or password"));
            }
            // The role may have changed while hashing: read it again.
            const UserEntry* now = users_.findUser(user);
            if (!now) return respond(errorResponse(401, "wrong user name or password"));
            throttle_.succeeded(addrKey);
            throttle_.succeeded(userKey);
            auto made = sessions_.create(user, now->role);
            if (!made) {
                httpLog(spdlog::level::err, MessageId::SF_HTTP_ERROR, "{} ({}) from {}: no session: {}", user,
                        roleName(now->role), peer.address, made.error().message());
                return respond(errorResponse(500, "internal error (safed's log says more)"));
            }
            const Session* created = made.value();
            if (!created) {
                httpLog(spdlog::level::warn, MessageId::SF_HTTP_LOGIN_FAILED,
                        "{} ({}) from {}: no room for a session (every one is of a higher role)", user,
                        roleName(now->role), peer.address);
                return respond(tooMany(std::chrono::seconds(60), "too many sessions: try again later"));
            }
            const Session& s = *created;
            httpLog(spdlog::level::info, MessageId::SF_HTTP_LOGIN, "{} ({}) logged in from {}", user,
                    roleName(now->role), peer.address);
            auto res = envelopeResponse(
                200, Reply::success("logged in as " + user, {{"user", user},
                                                             {"role", roleName(now->role)},
                                                             {"csrf_token", s.csrf},
                                                             {"expires_in", options_.sessionIdle.count()}}));
            res.set(field::set_cookie, sessionCookie(s.id, options_.sessionLifetime.count(), peer.tls));
            respond(std::move(res));
        });
    });
}

// Never verified against (the user is unknown): only its cost matters, so
// its salt and key need not be random.
std::string HttpApi::dummyHash() const {
    unsigned iterations = kDefaultPbkdf2Iterations;
    if (!users_.users().empty()) {
        // Same cost as the users' own hashes.
        std::string_view h = users_.users().begin()->second.passwordHash;
        auto a = h.find('$'), b = h.find('$', a + 1);
        if (a != std::string_view::npos && b != std::string_view::npos)
            std::from_chars(h.data() + a + 1, h.data() + b, iterations);
    }
    return "pbkdf2-sha256$" + std::to_string(iterations) + "$" + std::string(32, '0') + "$" + std::string(64, '0');
}

void HttpApi::logout(const HttpRequest& req, const Peer& peer, Respond respond) {
    if (req.method() != verb::post) return respond(methodNotAllowed("POST"));
    auto auth = authenticate(req, peer);
    if (auth.refusal) return respond(std::move(*auth.refusal));
    if (!auth.session) return respond(errorResponse(400, "an API key has no session to end"));
    if (!constantTimeEqual(std::string(req["X-CSRF-Token"]), auth.session->csrf))
        return respond(errorResponse(403, "missing or wrong X-CSRF-Token"));
    sessions_.remove(auth.session->id);
    httpLog(spdlog::level::info, MessageId::SF_HTTP_LOGIN, "{} logged out", auth.who->name);
    auto res = envelopeResponse(200, Reply::success("logged out"));
    res.set(field::set_cookie, sessionCookie("", 0, peer.tls));
    respond(std::move(res));
}

void HttpApi::session(const HttpRequest& req, const Peer& peer, Respond respond) {
    if (req.method() != verb::get) return respond(methodNotAllowed("GET"));
    auto auth = authenticate(req, peer);
    if (auth.refusal) return respond(std::move(*auth.refusal));
    json args = {
        {"user", auth.who->name}, {"role", roleName(auth.who->role)}, {"via", auth.session ? "session" : "api_key"}};
    if (auth.session) {
        args["csrf_token"] = auth.session->csrf;
        args["expires_in"] =
            std::chrono::ceil<std::chrono::seconds>(sessions_.expiresAt(*auth.session) - hooks_.clock()).count();
    }
    respond(envelopeResponse(200, Reply::success(auth.who->name, args)));
}

void HttpApi::listCommands(const HttpRequest& req, const Peer& peer, Respond respond) {
    if (req.method() != verb::get) return respond(methodNotAllowed("GET"));
    auto auth = authenticate(req, peer);
    if (auth.refusal) return respond(std::move(*auth.refusal));
    json commands = json::array();
    for (const auto& c : registry_.list()) {
        Role need = roles_.required(c.name);
        commands.push_back(
            {{"name", c.name}, {"help", c.help}, {"role", roleName(need)}, {"allowed", allows(auth.who->role, need)}});
    }
    respond(
        envelopeResponse(200, Reply::success(std::to_string(commands.size()) + " commands", {{"commands", commands}})));
}

void HttpApi::command(const std::string& name, const std::string& query, const HttpRequest& req, const Peer& peer,
                      Respond respond) {
    bool get = req.method() == verb::get;
    if (!get && req.method() != verb::post) return respond(methodNotAllowed("GET, POST"));
    // Nothing about a command is told before the caller is known.
    auto auth = authenticate(req, peer);
    if (auth.refusal) return respond(std::move(*auth.refusal));
    if (!validCommandName(name) || !registry_.has(name))
        return respond(errorResponse(404, "unknown command '" + name + "'"));
    Role need = roles_.required(name);
    if (get && need != Role::Monitor) return respond(methodNotAllowed("POST"));
    if (!allows(auth.who->role, need))
        return respond(errorResponse(403, "'" + name + "' needs role " + roleName(need) + "; " + auth.who->name +
                                              " is " + roleName(auth.who->role)));
    // A browser sends the cookie with any request to us, whoever wrote the
    // page; only our page knows the token. An API key is never sent by a
    // browser on its own, so bearer requests need none.
    if (auth.session && changes(req) && !constantTimeEqual(std::string(req["X-CSRF-Token"]), auth.session->csrf))
        return respond(errorResponse(403, "missing or wrong X-CSRF-Token"));

    control::Request request;
    std::string node;  // "": here
    if (get) {
        request.command = name;
        request.module = queryValue(query, "module");
        node = queryValue(query, "node");
    } else {
        json body = req.body().empty() ? json::object() : json::parse(req.body(), nullptr, false);
        if (body.is_discarded()) return respond(errorResponse(400, "malformed JSON in the request body"));
        if (!body.is_object()) return respond(errorResponse(400, "the request body is not a JSON object"));
        if (auto c = body.find("command"); c != body.end() && *c != name)
            return respond(errorResponse(400, "the body names another command than the path"));
        if (auto n = body.find("node"); n != body.end() && !n->is_null()) {
            if (!n->is_string()) return respond(errorResponse(400, "\"node\" is not a string"));
            node = n->get<std::string>();
            body.erase("node");
        }
        body["command"] = name;
        auto parsed = control::requestFromJson(body);
        if (!parsed) return respond(errorResponse(400, parsed.error().message()));
        request = std::move(parsed.value());
    }
    request.origin = auth.who->name + " (" + roleName(auth.who->role) + ") from " + peer.address;
    if (!node.empty() && node != kAllNodes && !PeerAuth::validName(node))
        return respond(errorResponse(400, "\"node\": not a node name"));
    if (node == relay_->self()) node.clear();
    if (need != Role::Monitor)
        httpLog(spdlog::level::info, MessageId::SF_HTTP_COMMAND, "{} ({}) from {}: {}{}{}", auth.who->name,
                roleName(auth.who->role), peer.address, name,
                request.module.empty() ? "" : " " + loggable(request.module), node.empty() ? "" : " on " + node);
    bool readOnly = need == Role::Monitor;
    if (node == kAllNodes)
        return relay_->callAll(*auth.who, request, readOnly,
                               [respond](Reply reply, unsigned code) { respond(envelopeResponse(code, reply)); });
    relay_->call(node, *auth.who, request, readOnly,
                 [respond](NodeReply r) { respond(envelopeResponse(r.status, r.reply)); });
}

// A command another node was sent for us. Its signature stands for the
// caller's login there; the role is checked here again all the same.
void HttpApi::peerCommand(const std::string& name, const HttpRequest& req, const Peer& peer, Respond respond) {
    if (req.method() != verb::post) return respond(methodNotAllowed("POST"));
    if (peer.peerChannel.empty()) {
        if (uint64_t held = 0; warnings_.allow("peer " + peer.address, held))
            httpLog(spdlog::level::warn, MessageId::SF_HTTP_PEER_REFUSED,
                    "peer call from {} refused: not on the cluster's TLS channel{}", peer.address, heldBack(held));
        return respond(errorResponse(401,
                                     "a peer call is taken only over the cluster's TLS channel (a safed older "
                                     "than this one calls over plain HTTP: upgrade it)"));
    }
    auto header = req.find(kPeerHeader);
    if (header == req.end()) return respond(errorResponse(401, "a peer call needs its X-Safefarm-Peer signature"));
    std::string target = "POST " + std::string(kPeerCommandsPrefix) + name;
    auto claims = relay_->verify(std::string_view(header->value().data(), header->value().size()), target, req.body(),
                                 peer.peerChannel);
    if (!claims) {
        if (uint64_t held = 0; warnings_.allow("peer " + peer.address, held))
            httpLog(spdlog::level::warn, MessageId::SF_HTTP_PEER_REFUSED, "peer call from {} refused: {}{}",
                    peer.address, claims.error().message(), heldBack(held));
        return respond(errorResponse(401, claims.error().message()));
    }
    auto c = claims.value();
    auto signedResponse = [this, c, respond](unsigned code, const Reply& reply) {
        auto res = envelopeResponse(code, reply);
        res.set(kPeerReplyHeader, relay_->signReply(c.nonce, code, res.body()));
        respond(std::move(res));
    };
    if (!validCommandName(name) || !registry_.has(name))
        return signedResponse(404, Reply::error("unknown command '" + name + "'", ResultCode::Unsupported));
    Role need = roles_.required(name);
    if (!allows(c.role, need))
        return signedResponse(
            403, Reply::error("'" + name + "' needs role " + roleName(need) + "; " + c.user + " is " + roleName(c.role),
                              ResultCode::Forbidden));
    json body = json::parse(req.body(), nullptr, false);
    if (body.is_object()) body["command"] = name;
    auto request = control::requestFromJson(body);
    if (!request) return signedResponse(400, Reply::error(request.error().message()));
    request.value().origin = c.user + " (" + roleName(c.role) + ") via " + c.from;
    if (need != Role::Monitor)
        httpLog(spdlog::level::info, MessageId::SF_HTTP_COMMAND, "{} ({}) via {} ({}): {} {}", c.user, roleName(c.role),
                c.from, peer.address, name, loggable(request.value().module));
    registry_.dispatch(request.value(),
                       [signedResponse](Reply reply) { signedResponse(httpStatusFor(reply.result), reply); });
}

// Every node's `snapshot` in one .zip: <stamp>/<node>/..., and what a node
// could not give in its ERROR.txt.
void HttpApi::snapshot(const std::string& query, const HttpRequest& req, const Peer& peer, Respond respond) {
    if (req.method() != verb::get) return respond(methodNotAllowed("GET"));
    auto auth = authenticate(req, peer);
    if (auth.refusal) return respond(std::move(*auth.refusal));
    if (!registry_.has("snapshot")) return respond(errorResponse(404, "no snapshot on this node"));
    Role need = roles_.required("snapshot");
    if (!allows(auth.who->role, need))
        return respond(errorResponse(403, std::string("a snapshot needs role ") + roleName(need) + "; " +
                                              auth.who->name + " is " + roleName(auth.who->role)));
    control::Request request{"snapshot", queryValue(query, "module"), json::object()};
    httpLog(spdlog::level::info, MessageId::SF_HTTP_COMMAND, "{} ({}) from {}: snapshot {}", auth.who->name,
            roleName(auth.who->role), peer.address, loggable(request.module));
    relay_->gatherAll(*auth.who, request, true, [respond](std::vector<NodeReply> replies) {
        std::string top = snapshotName(std::chrono::system_clock::now());
        std::vector<std::pair<std::string, std::string>> files;
        std::string summary;
        const NodeReply* firstFailure = nullptr;
        bool any = false;
        for (const auto& r : replies) {
            const auto& f = r.reply.arguments.is_object() ? r.reply.arguments.value("files", json()) : json();
            if (r.reply.ok() && f.is_object()) {
                any = true;
                summary += r.node + ": " + std::to_string(f.size()) + " files\n";
                for (const auto& [name, text] : f.items())
                    if (text.is_string()) files.emplace_back(top + "/" + r.node + "/" + name, text.get<std::string>());
            } else {
                if (!firstFailure) firstFailure = &r;
                summary += r.node + ": " + std::to_string(r.status) + " " + r.reply.text + "\n";
                files.emplace_back(top + "/" + r.node + "/ERROR.txt", r.reply.text + "\n");
            }
        }
        if (!any && firstFailure) return respond(envelopeResponse(firstFailure->status, firstFailure->reply));
        files.insert(files.begin(), {top + "/summary.txt", summary});
        auto zip = makeZip(files);
        if (!zip) return respond(errorResponse(500, zip.error().message()));
        auto res = textResponse(200, "application/zip", std::move(zip.value()));
        res.set(field::content_disposition, "attachment; filename=\"" + top + ".zip\"");
        respond(std::move(res));
    });
}

void HttpApi::metrics(const HttpRequest& req, const Peer& peer, Respond respond) {
    if (req.method() != verb::get && req.method() != verb::head) return respond(methodNotAllowed("GET"));
    if (options_.metricsNeedAuth) {
        auto auth = authenticate(req, peer);
        if (auth.refusal) return respond(std::move(*auth.refusal));
    }
    if (!hooks_.metrics) return respond(textResponse(404, "text/plain; charset=utf-8", "no metrics here\n"));
    respond(textResponse(200, kPrometheusContentType, formatPrometheus(hooks_.metrics->collect())));
}

void HttpApi::ready(const std::string& module, const HttpRequest& req, Respond respond) {
    if (req.method() != verb::get && req.method() != verb::head) return respond(methodNotAllowed("GET"));
    bool up = UserStore::validName(module) && hooks_.moduleUp && hooks_.moduleUp(module);
    respond(up ? textResponse(200, "text/plain; charset=utf-8", "ready\n")
               : textResponse(404, "text/plain; charset=utf-8", "not ready\n"));
}

void HttpApi::staticFile(const std::string& path, const HttpRequest& req, Respond respond) {
    if (req.method() != verb::get && req.method() != verb::head) return respond(methodNotAllowed("GET"));
    auto found = files_.lookup(path);
    if (found.status == StaticStatus::Refused)
        return respond(textResponse(400, "text/plain; charset=utf-8", found.reason + "\n"));
    if (found.status == StaticStatus::NotFound)
        return respond(textResponse(404, "text/plain; charset=utf-8", "not found\n"));
    auto res = textResponse(200, found.file.contentType, std::move(found.file.body));
    res.set(field::cache_control, "no-cache");  // revalidate: a new console shows at once
    respond(std::move(res));
}

}  // namespace safefarm::http
