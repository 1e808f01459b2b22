#include "http/PeerRelay.h"

#include <boost/asio/post.hpp>

#include <spdlog/spdlog.h>

#include "http/HttpApi.h"
#include "http/HttpLog.h"

namespace safefarm::http {

using control::Reply;
using control::ResultCode;
using nlohmann::json;

PeerRelay::PeerRelay(boost::asio::any_io_executor executor, PeerSetup setup, const control::CommandRegistry& registry)
    : executor_(std::move(executor)), setup_(std::move(setup)), registry_(registry) {
    if (setup_.key.empty()) return;
    auto mac = Hmac::create(setup_.key);
    if (mac)
        auth_ = std::make_shared<PeerAuth>(std::move(mac.value()), setup_.wallClock);
    else
        setup_.keyProblem = mac.error().message();
}

std::optional<std::string> PeerRelay::unavailable() const {
    if (setup_.self.empty()) return "this node has no name (--node)";
    if (!auth_)
        return "cross-node calls need the cluster key" +
               (setup_.keyProblem.empty() ? std::string() : ": " + setup_.keyProblem);
    if (!setup_.transport) return "no transport to the other nodes";
    return std::nullopt;
}

void PeerRelay::call(const std::string& node, const Identity& who, const control::Request& request, bool readOnly,
                     Done done) {
    if (node.empty() || node == setup_.self) {
        registry_.dispatch(request, [done, self = setup_.self](Reply r) {
            done(NodeReply{self, httpStatusFor(r.result), std::move(r)});
        });
        return;
    }
    if (auto why = unavailable()) return done(NodeReply{node, 503, Reply::error(*why)});
    auto nodes = setup_.nodes ? setup_.nodes() : std::vector<PeerNode>{};
    for (const auto& n : nodes)
        if (n.name == node) return forward(n, who, request, readOnly, std::move(done));
    done(NodeReply{node, 404, Reply::error("no node '" + node + "' in cluster.xml", ResultCode::Unsupported)});
}

void PeerRelay::forward(const PeerNode& node, const Identity& who, const control::Request& request, bool readOnly,
                        Done done) {
    PeerClaims claims;
    claims.from = setup_.self;
    claims.to = node.name;
    claims.user = who.name;
    claims.role = who.role;
    PeerCall c;
    c.node = node;
    c.target = std::string(kPeerCommandsPrefix) + request.command;
    c.body = control::toJson(request).dump();
    c.timeout = readOnly ? setup_.readTimeout : setup_.actionTimeout;
    // Signed by the transport once the TLS connection is up (the signature
    // covers it); the nonce is kept to check the answer's signature.
    auto signedClaims = std::make_shared<PeerClaims>(std::move(claims));
    // Shared: the transport may sign after the relay is gone (a server being stopped).
    std::shared_ptr<const PeerAuth> auth = auth_;
    c.sign = [auth, signedClaims, target = "POST " + c.target, body = c.body](std::string_view channel) {
        return auth->sign(*signedClaims, target, body, channel);
    };
    std::weak_ptr<int> alive = alive_;
    setup_.transport->post(std::move(c), [=, done = std::move(done)](Result<PeerResponse> r) {
        if (alive.expired()) return;
        auto bad = [&](std::string text) {
            httpLog(spdlog::level::warn, control::MessageId::SF_HTTP_FORWARD_FAILED, "forwarding {} to {}: {}",
                    request.command, node.name, text);
            done(NodeReply{node.name, 502, Reply::error(std::move(text))});
        };
        if (!r) return bad(r.error().message());
        const auto& res = r.value();
        unsigned status = res.result_int();
        auto sig = res.find(kPeerReplyHeader);
        if (sig == res.end() || !auth->verifyReply(std::string_view(sig->value().data(), sig->value().size()),
                                                   signedClaims->nonce, status, res.body())) {
            // Its refusal of our signature is unsigned (it could not check
            // ours): say what it said, but believe nothing else.
            auto j = json::parse(res.body(), nullptr, false);
            std::string said =
                j.is_object() && j.contains("text") && j["text"].is_string() ? ": " + j["text"].get<std::string>() : "";
            return bad(node.name + " answered " + std::to_string(status) + " without a valid cluster-key signature" +
                       said);
        }
        auto reply = control::parseReply(res.body());
        if (!reply) return bad(node.name + ": " + reply.error().message());
        done(NodeReply{node.name, status, std::move(reply.value())});
    });
}

void PeerRelay::gatherAll(const Identity& who, const control::Request& request, bool readOnly,
                          std::function<void(std::vector<NodeReply>)> done) {
    auto nodes = setup_.nodes ? setup_.nodes() : std::vector<PeerNode>{};
    if (nodes.empty()) nodes.push_back(PeerNode{setup_.self, "", 0});
    struct Gather {
        std::vector<NodeReply> replies;
        std::size_t left;
        std::function<void(std::vector<NodeReply>)> done;
    };
    auto g = std::make_shared<Gather>(Gather{std::vector<NodeReply>(nodes.size()), nodes.size(), std::move(done)});
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        // A command may answer on another thread (a stop does): the count,
        // and whatever runs next, stay on the API's thread.
        call(nodes[i].name, who, request, readOnly,
             [g, i, ex = executor_, alive = std::weak_ptr<int>(alive_)](NodeReply r) {
                 boost::asio::post(ex, [g, i, r = std::move(r), alive]() mutable {
                     if (alive.expired()) return;
                     g->replies[i] = std::move(r);
                     if (--g->left == 0) g->done(std::move(g->replies));
                 });
             });
    }
}

void PeerRelay::callAll(const Identity& who, const control::Request& request, bool readOnly, DoneAll done) {
    auto summarise = [](std::vector<NodeReply> replies, std::string prefix) {
        json nodes = json::object();
        std::string each;  // "n1: done; n2: ..."
        bool allOk = true;
        for (const auto& r : replies) {
            json one = control::toJson(r.reply);
            one["status"] = r.status;
            nodes[r.node] = one;
            allOk = allOk && r.reply.ok() && r.status < 300;
            each += (each.empty() ? "" : "; ") + r.node + ": " +
                    (r.reply.text.empty() ? resultName(r.reply.result) : r.reply.text);
        }
        Reply out{allOk ? ResultCode::Success : ResultCode::Error, prefix + each, json{{"nodes", nodes}}};
        return std::pair{out, allOk ? 200u : 500u};
    };
    auto pre = preflightOf(request.command);
    if (!pre) {
        gatherAll(who, request, readOnly, [=](std::vector<NodeReply> replies) {
            auto [r, s] = summarise(std::move(replies), "");
            done(std::move(r), s);
        });
        return;
    }
    control::Request check = request;
    check.command = *pre;
    std::weak_ptr<int> alive = alive_;
    gatherAll(who, check, true, [=, this](std::vector<NodeReply> checks) {
        if (alive.expired()) return;
        bool allPassed = true;
        for (const auto& c : checks) allPassed = allPassed && c.status < 300 && preflightPassed(c.reply);
        if (!allPassed) {
            auto [r, s] = summarise(std::move(checks), request.command + " refused, nothing changed: " + *pre + ": ");
            r.result = ResultCode::Error;
            return done(std::move(r), 409);
        }
        gatherAll(who, request, readOnly, [=](std::vector<NodeReply> replies) {
            auto [r, s] = summarise(std::move(replies), "");
            done(std::move(r), s);
        });
    });
}

Result<PeerClaims> PeerRelay::verify(std::string_view signature, std::string_view target, std::string_view body,
                                     std::string_view channel) {
    if (auto why = unavailable()) return badInput(*why);
    return auth_->verify(signature, setup_.self, target, body, channel);
}

std::string PeerRelay::signReply(std::string_view nonce, unsigned status, std::string_view body) const {
    return auth_ ? auth_->signReply(nonce, status, body) : std::string();
}

std::optional<std::string> preflightOf(const std::string& command) {
    if (command == "config-deploy") return "config-check";
    return std::nullopt;
}

bool preflightPassed(const Reply& reply) {
    return reply.ok() && !(reply.arguments.is_object() && reply.arguments.value("valid", true) == false);
}

}  // namespace safefarm::http
