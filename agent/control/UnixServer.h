// The control socket of safed: safectl's transport into the CommandRegistry.
// One JSON request per line, one JSON reply per line, several connections at
// once, each answering its requests in order. Only root and safed's own uid
// may send commands (SO_PEERCRED), on top of the socket's 0600 mode.
//
// All methods run on the io_context's thread (or before it runs). A
// handler's Responder may be called from any thread, but not once the
// io_context is gone: stop the handlers' work before destroying it.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <string>
#include <vector>

#include "common/Result.h"
#include "control/CommandRegistry.h"
#include "control/SocketPath.h"

namespace safefarm::control {

class UnixServer {
public:
    UnixServer(boost::asio::io_context& io, const CommandRegistry& registry, std::string path = kDefaultSocketPath);
    ~UnixServer();
    UnixServer(const UnixServer&) = delete;
    UnixServer& operator=(const UnixServer&) = delete;

    // Creates the parent folder (0755), replaces a stale socket file, refuses
    // with EADDRINUSE when a live server answers on it ("safed already running").
    Result<void> start();
    // Closes every connection and removes the socket file if it is still ours.
    void stop();

    const std::string& path() const { return path_; }

private:
    class Connection;
    void acceptNext();

    const CommandRegistry& registry_;
    std::string path_;
    boost::asio::local::stream_protocol::acceptor acceptor_;
    boost::asio::steady_timer retry_;
    std::vector<std::weak_ptr<Connection>> connections_;
    // The socket file we bound, so stop() never removes a successor's.
    dev_t dev_ = 0;
    ino_t ino_ = 0;
    bool listening_ = false;
};

}  // namespace safefarm::control
