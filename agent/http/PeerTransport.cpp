#include "http/PeerTransport.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "common/CloseOnExec.h"
#include "http/PeerAuth.h"
#include "http/PeerTls.h"

namespace safefarm::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

// One call: connect, TLS as the cluster (PeerTls.h), sign for this
// connection, send, read the answer.
class Exchange : public std::enable_shared_from_this<Exchange> {
public:
    Exchange(PeerCall call, PeerDone done, std::size_t maxReply, asio::any_io_executor executor,
             std::shared_ptr<ssl::context> tls)
        : tls_(std::move(tls)), stream_(executor, *tls_), call_(std::move(call)), done_(std::move(done)) {
        parser_.body_limit(maxReply);
    }

    void start() {
        boost::system::error_code ec;
        auto address = asio::ip::make_address(call_.node.address, ec);
        if (ec) return fail("address '" + call_.node.address + "': " + ec.message());
        lowest().expires_after(call_.timeout);
        lowest().async_connect(tcp::endpoint(address, call_.node.port),
                               [self = shared_from_this()](beast::error_code e) {
                                   if (e) return self->fail("connect: " + e.message());
                                   // Not inherited by the scripts safed starts.
                                   if (auto r = setCloseOnExec(self->lowest().socket().native_handle()); !r)
                                       return self->fail(r.error().message());
                                   self->handshake();
                               });
    }

private:
    beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

    void handshake() {
        // The name that makes the other node answer as the cluster.
        if (SSL_set_tlsext_host_name(stream_.native_handle(), kPeerServerName) != 1)
            return fail("TLS: cannot set the server name");
        stream_.async_handshake(ssl::stream_base::client, [self = shared_from_this()](beast::error_code e) {
            if (e && SSL_get_verify_result(self->stream_.native_handle()) == X509_V_ERR_CERT_REJECTED)
                return self->fail("TLS handshake: its certificate is not this cluster's (another cluster.key?)");
            if (e)
                return self->fail("TLS handshake: " + e.message() +
                                  " (a safed older than this one, or another cluster.key?)");
            self->write();
        });
    }

    void write() {
        req_.method(bhttp::verb::post);
        req_.target(call_.target);
        req_.version(11);
        req_.set(bhttp::field::host, call_.node.address);
        req_.set(bhttp::field::content_type, "application/json");
        req_.set(bhttp::field::user_agent, "safed-peer");
        for (const auto& [k, v] : call_.headers) req_.set(k, v);
        if (call_.sign) {
            auto channel = channelBinding(stream_.native_handle());
            if (channel.empty()) return fail("TLS: no keying material to sign the call with");
            auto signature = call_.sign(channel);
            if (!signature) return fail("signing the call: " + signature.error().message());
            req_.set(kPeerHeader, signature.value());
        }
        req_.body() = call_.body;
        req_.keep_alive(false);
        req_.prepare_payload();
        bhttp::async_write(stream_, req_, [self = shared_from_this()](beast::error_code e, std::size_t) {
            if (e) return self->fail("sending: " + e.message());
            bhttp::async_read(self->stream_, self->buffer_, self->parser_, [self](beast::error_code e2, std::size_t) {
                if (e2 == beast::error::timeout) return self->fail("no answer in time");
                if (e2) return self->fail("reading the answer: " + e2.message());
                self->finish(self->parser_.release());
            });
        });
    }

    void finish(Result<PeerResponse> r) {
        boost::system::error_code ignored;
        lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
        lowest().close();
        if (auto d = std::move(done_)) d(std::move(r));
    }

    void fail(std::string what) {
        finish(Error{0, call_.node.name + " (" + call_.node.address + " port " + std::to_string(call_.node.port) +
                            "): " + what});
    }

    std::shared_ptr<ssl::context> tls_;  // outlives the stream
    beast::ssl_stream<beast::tcp_stream> stream_;
    PeerCall call_;
    PeerDone done_;
    beast::flat_buffer buffer_;
    bhttp::request<bhttp::string_body> req_;
    bhttp::response_parser<bhttp::string_body> parser_;
};

class BeastTransport : public PeerTransport {
public:
    BeastTransport(asio::any_io_executor executor, std::shared_ptr<ssl::context> tls, std::size_t maxReply)
        : executor_(std::move(executor)), tls_(std::move(tls)), maxReply_(maxReply) {}

    void post(PeerCall call, PeerDone done) override {
        std::make_shared<Exchange>(std::move(call), std::move(done), maxReply_, executor_, tls_)->start();
    }

private:
    asio::any_io_executor executor_;
    std::shared_ptr<ssl::context> tls_;
    std::size_t maxReply_;
};

}  // namespace

std::unique_ptr<PeerTransport> makeBeastTransport(asio::any_io_executor executor, std::shared_ptr<ssl::context> tls,
                                                  std::size_t maxReply) {
    return std::make_unique<BeastTransport>(std::move(executor), std::move(tls), maxReply);
}

}  // namespace safefarm::http
