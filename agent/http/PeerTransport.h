// How one node's control API reaches another's: an HTTP POST to the peer's
// port 9010 over the cluster's TLS channel (PeerTls.h), the whole exchange
// bounded in time. Behind an interface so the forwarding logic is tested
// with a fake, and end to end with real servers on loopback.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/Result.h"

namespace safefarm::http {

struct PeerNode {
    std::string name;
    std::string address;  // an IP literal (cluster.xml)
    uint16_t port = 0;
};

struct PeerCall {
    PeerNode node;
    std::string target;  // "/api/v1/peer/commands/stop"
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    // The X-Safefarm-Peer value, signed once the connection is up: the
    // signature covers the connection's channelBinding() (PeerAuth.h). An
    // error fails the call.
    std::function<Result<std::string>(std::string_view channel)> sign;
    std::chrono::seconds timeout{30};  // the whole call, connect to last byte
};

using PeerResponse = boost::beast::http::response<boost::beast::http::string_body>;
// Called on the transport's executor, exactly once.
using PeerDone = std::function<void(Result<PeerResponse>)>;

class PeerTransport {
public:
    virtual ~PeerTransport() = default;
    virtual void post(PeerCall call, PeerDone done) = 0;
};

// The real one, on Beast, always TLS: `tls` is peerClientContext() (the
// other node must show the cluster's certificate, and is shown ours).
std::unique_ptr<PeerTransport> makeBeastTransport(boost::asio::any_io_executor executor,
                                                  std::shared_ptr<boost::asio::ssl::context> tls,
                                                  std::size_t maxReplyBytes = 64u << 20);

}  // namespace safefarm::http
