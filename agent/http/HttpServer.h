// The control API's transport: HTTP/1.1 on TCP (port 9010 by default),
// optionally TLS, on safed's io_context. Keep-alive, one request at a time
// per connection, every read and write under a timeout, request size
// limits; what a request means is HttpApi's job.
//
//   HttpServer server(io, registry, options, hooks);
//   if (auto r = server.start(); !r) ...   // binds, loads users and TLS files
//
// All methods run on the io_context's thread (or before it runs). Stop the
// server before the io_context and the registry go away.
#pragma once

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <memory>

#include "common/Result.h"
#include "control/CommandRegistry.h"
#include "http/CommandRoles.h"
#include "http/HttpHooks.h"
#include "http/HttpOptions.h"

namespace safefarm::http {

class HttpServer {
public:
    HttpServer(boost::asio::io_context& io, const control::CommandRegistry& registry, HttpOptions options = {},
               HttpHooks hooks = {});
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Loads the users file and the TLS pair, then listens. An error names
    // the file or the address.
    Result<void> start();
    // Closes the listener and every connection.
    void stop();

    // The bound port (the chosen one when options.port was 0).
    uint16_t port() const;
    // SIGHUP: read the users file again; on error the old users stay.
    Result<void> reloadUsers();
    // The role table, to classify commands registered later (before start).
    CommandRoles& roles();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace safefarm::http
