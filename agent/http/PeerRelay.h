// One console, every node: runs a command on the node the caller names, here
// or through that node's own API (PeerAuth signs the call, PeerTransport
// carries it), or on every node of cluster.xml with an answer per node.
//
// A command that changes what a node runs from (config-deploy) has a
// preflight (config-check) that must pass on every node before any node is
// changed: a configuration one node refuses is written nowhere.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control/CommandRegistry.h"
#include "http/PeerAuth.h"
#include "http/PeerTransport.h"
#include "http/UserStore.h"

namespace safefarm::http {

inline constexpr std::string_view kPeerCommandsPrefix = "/api/v1/peer/commands/";
inline constexpr const char* kAllNodes = "all";

struct PeerSetup {
    std::string self;  // this node's name in cluster.xml
    // The cluster's nodes, this one included; read at each call (cluster.xml
    // may have changed).
    std::function<std::vector<PeerNode>()> nodes;
    std::vector<uint8_t> key;            // the cluster key; empty: no cross-node calls
    std::string keyProblem;              // why there is no key, for the refusal
    PeerTransport* transport = nullptr;  // null: the server makes a Beast one
    WallClock wallClock = systemNow;
    std::chrono::seconds readTimeout{30};     // monitor commands
    std::chrono::seconds actionTimeout{900};  // the rest: a stop drains, then stops the application
};

// One node's answer, with the HTTP status it would have had.
struct NodeReply {
    std::string node;
    unsigned status = 0;
    control::Reply reply;
};

class PeerRelay {
public:
    // executor: the API's thread, where the answers of several nodes meet.
    PeerRelay(boost::asio::any_io_executor executor, PeerSetup setup, const control::CommandRegistry& registry);

    const std::string& self() const { return setup_.self; }
    // Why cross-node calls cannot be made, or nullopt when they can.
    std::optional<std::string> unavailable() const;

    using Done = std::function<void(NodeReply)>;
    using DoneAll = std::function<void(control::Reply, unsigned status)>;
    // On `node` (this one: dispatched here). `readOnly` picks the timeout.
    void call(const std::string& node, const Identity& who, const control::Request& request, bool readOnly, Done done);
    // On every node at once; the reply's arguments.nodes has each node's
    // answer, its result is an error unless every node succeeded.
    void callAll(const Identity& who, const control::Request& request, bool readOnly, DoneAll done);
    // The same, with the answers one by one (the snapshot zips them).
    void gatherAll(const Identity& who, const control::Request& request, bool readOnly,
                   std::function<void(std::vector<NodeReply>)> done);

    // The receiving side: the claims of a call signed for the connection
    // whose channelBinding() is `channel`, or why it is refused.
    Result<PeerClaims> verify(std::string_view signature, std::string_view target, std::string_view body,
                              std::string_view channel);
    std::string signReply(std::string_view nonce, unsigned status, std::string_view body) const;

private:
    void forward(const PeerNode& node, const Identity& who, const control::Request& request, bool readOnly, Done done);

    boost::asio::any_io_executor executor_;
    PeerSetup setup_;
    const control::CommandRegistry& registry_;
    std::shared_ptr<PeerAuth> auth_;
    // Answers that arrive after the relay is gone (a peer's answer to a
    // server being stopped) find this expired and are dropped.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

// Which command must pass on every node before this one runs on any.
std::optional<std::string> preflightOf(const std::string& command);
// Did a preflight's answer pass? (ok, and not "valid": false)
bool preflightPassed(const control::Reply& reply);

}  // namespace safefarm::http
