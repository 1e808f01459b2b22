#include "http/HttpServer.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <spdlog/spdlog.h>

#include <array>
#include <map>
#include <optional>
#include <type_traits>
#include <vector>

#include "common/CloseOnExec.h"
#include "http/ConnectionSlots.h"
#include "http/HttpApi.h"
#include "http/HttpLog.h"
#include "http/PeerTls.h"

namespace safefarm::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

// What a connection needs of the options, copied: a command may answer
// after the server is gone, and the connection must not read freed options.
struct Limits {
    std::size_t maxBody;
    std::size_t maxHeader;
    std::size_t maxLoginBody;
    std::chrono::seconds headerTimeout, timeout, drainTimeout, lifetime;

    explicit Limits(const HttpOptions& o)
        : maxBody(o.maxBodyBytes),
          maxHeader(o.maxHeaderBytes),
          maxLoginBody(o.maxLoginBodyBytes),
          headerTimeout(o.headerTimeout),
          timeout(o.ioTimeout),
          drainTimeout(o.drainTimeout),
          lifetime(o.connectionLifetime) {}
};

// The login is the one unauthenticated request with a body: a few KB at
// most, refused on its header (a 1 MiB body cost a parse before anything
// was checked).
bool isLogin(std::string_view target) {
    return target.starts_with(kLoginPath) && (target.size() == kLoginPath.size() || target[kLoginPath.size()] == '?');
}

class ConnectionBase {
public:
    virtual ~ConnectionBase() = default;
    virtual void close() = 0;
};

// One client, plain (beast::tcp_stream) or TLS (ssl_stream over it).
template <class Stream>
class Connection : public ConnectionBase, public std::enable_shared_from_this<Connection<Stream>> {
    static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

public:
    // buffer: what was read before the connection knew it was TLS or not.
    template <class... Args>
    Connection(std::weak_ptr<HttpApi> api, Limits limits, std::string address, std::weak_ptr<ConnectionSlots> slots,
               ConnectionSlots::Id id, beast::flat_buffer buffer, Args&&... args)
        : stream_(std::forward<Args>(args)...),
          api_(std::move(api)),
          limits_(limits),
          slots_(std::move(slots)),
          id_(id),
          born_(std::chrono::steady_clock::now()),
          buffer_(std::move(buffer)) {
        peer_.address = std::move(address);
        peer_.tls = kTls;
    }
    ~Connection() override {
        if (auto s = slots_.lock()) s->release(id_);
    }

    void start() {
        if constexpr (kTls) {
            // The deadline of the first header, set when the connection was
            // accepted, covers the handshake too.
            stream_.async_handshake(ssl::stream_base::server, buffer_.data(),
                                    [self = this->shared_from_this()](beast::error_code e, std::size_t used) {
                                        if (e) return self->close();
                                        self->buffer_.consume(used);
                                        SSL* ssl = self->stream_.native_handle();
                                        if (isPeerChannel(ssl)) self->peer_.peerChannel = channelBinding(ssl);
                                        self->readRequest();
                                    });
        } else {
            readRequest();
        }
    }

    void close() override { lowest().close(); }

private:
    beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

    void readRequest() {
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(limits_.maxHeader));
        bodyLimit_ = limits_.maxBody;
        parser_->body_limit(bodyLimit_);
        // The header (and the wait for it) within its deadline, set once: a
        // slow sender or an idle kept-alive connection is cut off.
        lowest().expires_after(limits_.headerTimeout);
        bhttp::async_read_header(
            stream_, buffer_, *parser_,
            [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->onHeader(ec); });
    }

    // curl sends "Expect: 100-continue" before a body over 1 KiB and waits
    // a second for the go-ahead: give it at once (the size was checked with
    // the header), then read the body.
    void onHeader(beast::error_code ec) {
        if (ec) return onRead(ec);
        lowest().expires_after(limits_.timeout);  // the body's deadline, set once
        auto target = parser_->get().target();
        if (isLogin(std::string_view(target.data(), target.size())) && limits_.maxLoginBody < bodyLimit_) {
            bodyLimit_ = limits_.maxLoginBody;
            parser_->body_limit(bodyLimit_);
            auto length = parser_->content_length();
            if (length && *length > bodyLimit_) return onRead(bhttp::error::body_limit);
        }
        auto self = this->shared_from_this();
        auto readBody = [self] {
            bhttp::async_read(self->stream_, self->buffer_, *self->parser_,
                              [self](beast::error_code e, std::size_t) { self->onRead(e); });
        };
        if (!beast::iequals(parser_->get()[bhttp::field::expect], "100-continue")) return readBody();
        auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
        bhttp::async_write(stream_, *cont, [self, cont, readBody](beast::error_code e, std::size_t) {
            if (e) return self->close();
            readBody();
        });
    }

    void onRead(beast::error_code ec) {
        if (ec == bhttp::error::end_of_stream) return shutdown();
        // Past a limit the stream cannot be resynchronised: answer and hang up.
        if (ec == bhttp::error::body_limit)
            return refuse(413, "request body larger than " + std::to_string(bodyLimit_) + " bytes");
        if (ec == bhttp::error::header_limit)
            return refuse(431, "request header larger than " + std::to_string(limits_.maxHeader) + " bytes");
        if (ec == bhttp::error::partial_message) return close();  // the client left mid-request
        if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category())
            return refuse(400, "malformed HTTP request: " + ec.message());
        if (ec) return close();    // timeout, reset, or stop()
        lowest().expires_never();  // a command may take its time (a stop drains)
        // A request read just as the server was destroyed: nobody to ask.
        auto api = api_.lock();
        if (!api) return close();

        auto req = parser_->release();
        // An old connection answers this request and closes: no connection lives forever.
        keepAlive_ = req.keep_alive() && std::chrono::steady_clock::now() - born_ < limits_.lifetime;
        setBusy(true);
        version_ = req.version();
        head_ = req.method() == bhttp::verb::head;
        // A command may answer from another thread: the write goes back to ours.
        auto self = this->shared_from_this();
        api->handle(std::move(req), peer_, [self](HttpResponse res) {
            asio::post(self->stream_.get_executor(),
                       [self, res = std::move(res)]() mutable { self->write(std::move(res), self->keepAlive_); });
        });
    }

    void refuse(unsigned code, std::string text) {
        version_ = 11;
        head_ = false;
        write(errorResponse(code, std::move(text)), false);
    }

    void write(HttpResponse res, bool keepAlive) {
        res.version(version_);
        res.keep_alive(keepAlive);
        auto length = res.body().size();
        res.prepare_payload();
        if (head_) {
            res.body().clear();
            res.content_length(length);
        }
        res_ = std::make_shared<HttpResponse>(std::move(res));
        lowest().expires_after(limits_.timeout);
        bhttp::async_write(stream_, *res_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
            bool again = self->res_->keep_alive();
            self->res_.reset();
            self->setBusy(false);
            if (ec) return self->close();
            if (!again) return self->shutdown();
            self->readRequest();
        });
    }

    void setBusy(bool busy) {
        if (auto s = slots_.lock()) s->setBusy(id_, busy);
    }

    // The last answer is out: the connection ends within drainTimeout,
    // whatever the client still sends (one deadline, not one per read).
    void shutdown() {
        lowest().expires_after(limits_.drainTimeout);
        if constexpr (kTls) {
            stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->close(); });
        } else {
            boost::system::error_code ignored;
            lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
            linger();
        }
    }

    // Closing with unread bytes in the receive buffer sends a reset, which
    // can destroy the answer before the client reads it (a 413 is sent
    // while the body still arrives): read and drop a little first.
    void linger() {
        if (lingered_ > (1u << 20)) return close();
        lowest().async_read_some(asio::buffer(drain_),
                                 [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                                     self->lingered_ += n;
                                     if (ec) return self->close();
                                     self->linger();
                                 });
    }

    Stream stream_;
    std::weak_ptr<HttpApi> api_;
    Limits limits_;
    std::weak_ptr<ConnectionSlots> slots_;
    ConnectionSlots::Id id_;
    std::chrono::steady_clock::time_point born_;
    beast::flat_buffer buffer_;
    Peer peer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    std::size_t bodyLimit_ = 0;  // of the request being read
    std::shared_ptr<HttpResponse> res_;
    unsigned version_ = 11;
    bool keepAlive_ = true;
    bool head_ = false;
    std::array<char, 4096> drain_{};
    std::size_t lingered_ = 0;
};

using Connections = std::map<ConnectionSlots::Id, std::weak_ptr<ConnectionBase>>;

// A new connection, before we know whether it speaks TLS (its first byte
// says: a ClientHello starts with 0x16): browsers, curl and the other nodes
// all come to one port. The first header's deadline runs from here.
class Detector : public ConnectionBase, public std::enable_shared_from_this<Detector> {
public:
    Detector(std::weak_ptr<HttpApi> api, Limits limits, std::string address, std::weak_ptr<ConnectionSlots> slots,
             ConnectionSlots::Id id, tcp::socket socket, std::shared_ptr<ssl::context> tls,
             std::weak_ptr<Connections> connections)
        : api_(std::move(api)),
          limits_(limits),
          address_(std::move(address)),
          slots_(std::move(slots)),
          id_(id),
          stream_(std::move(socket)),
          tls_(std::move(tls)),
          connections_(std::move(connections)) {}
    ~Detector() override {
        if (!handedOff_)
            if (auto s = slots_.lock()) s->release(id_);
    }

    void start() {
        stream_.expires_after(limits_.headerTimeout);
        if (!tls_) return handOff(false);
        beast::async_detect_ssl(stream_, buffer_, [self = shared_from_this()](beast::error_code ec, bool isTls) {
            if (ec) return self->close();
            self->handOff(isTls);
        });
    }

    void close() override { stream_.close(); }

private:
    void handOff(bool isTls) {
        std::shared_ptr<ConnectionBase> c;
        handedOff_ = true;
        if (isTls) {
            auto t = std::make_shared<Connection<beast::ssl_stream<beast::tcp_stream>>>(
                api_, limits_, address_, slots_, id_, std::move(buffer_), std::move(stream_), *tls_);
            c = t;
            t->start();
        } else {
            auto p = std::make_shared<Connection<beast::tcp_stream>>(api_, limits_, address_, slots_, id_,
                                                                     std::move(buffer_), std::move(stream_));
            c = p;
            p->start();
        }
        if (auto all = connections_.lock()) (*all)[id_] = c;
    }

    std::weak_ptr<HttpApi> api_;
    Limits limits_;
    std::string address_;
    std::weak_ptr<ConnectionSlots> slots_;
    ConnectionSlots::Id id_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::shared_ptr<ssl::context> tls_;
    std::weak_ptr<Connections> connections_;
    bool handedOff_ = false;
};

}  // namespace

struct HttpServer::Impl {
    Impl(asio::io_context& io, const control::CommandRegistry& registry, HttpOptions opts, HttpHooks hooks)
        : options(opts),
          serviceAddress(hooks.serviceAddress),
          api(std::make_shared<HttpApi>(io.get_executor(), registry, std::move(opts), std::move(hooks))),
          acceptor(io),
          retry(io),
          slots(
              std::make_shared<ConnectionSlots>(SlotPolicy{options.maxConnections, options.maxConnectionsPerClient})) {}

    void acceptNext();
    Result<void> loadTls();

    HttpOptions options;
    std::function<bool(const std::string&)> serviceAddress;
    // Shared with the connections as weak pointers: a connection that
    // outlives the server (its command still running) finds it gone.
    std::shared_ptr<HttpApi> api;
    tcp::acceptor acceptor;
    asio::steady_timer retry;
    // The TLS front: the API's certificate (or none), and the cluster's
    // behind the peer server name (PeerTls.h). Null: plain HTTP only.
    std::shared_ptr<ssl::context> tls;
    std::shared_ptr<ssl::context> peerTls;
    // Who holds a place (shared with the connections as weak pointers, as the API).
    std::shared_ptr<ConnectionSlots> slots;
    std::shared_ptr<Connections> connections = std::make_shared<Connections>();
    ConnectionSlots::Id nextId = 0;
    uint16_t port = 0;
};

Result<void> HttpServer::Impl::loadTls() {
    if (options.tlsCertFile.empty() != options.tlsKeyFile.empty())
        return badInput("TLS needs both a certificate file and a key file");
    auto identity = api->peerIdentity();
    if (options.tlsCertFile.empty() && !identity) return success();
    auto made = newTlsContext(ssl::context::tls_server);
    if (!made) return made.error();
    auto ctx = std::make_shared<ssl::context>(std::move(made.value()));
    // TLS 1.2 and later only; no compression (CRIME).
    boost::system::error_code ec;
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression |
                         ssl::context::single_dh_use,
                     ec);
    if (ec) return badInput("TLS options: " + ec.message());
    if (!options.tlsCertFile.empty()) {
        ctx->use_certificate_chain_file(options.tlsCertFile, ec);
        if (ec) return badInput("TLS certificate " + options.tlsCertFile + ": " + ec.message());
        ctx->use_private_key_file(options.tlsKeyFile, ssl::context::pem, ec);
        if (ec) return badInput("TLS key " + options.tlsKeyFile + ": " + ec.message());
        if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
            return badInput("TLS key " + options.tlsKeyFile + " does not match " + options.tlsCertFile);
    }
    if (identity) {
        auto peer = peerServerContext(identity);
        if (!peer) return peer.error();
        peerTls = peer.value();
        routePeerServerName(*ctx, *peerTls);
    }
    tls = std::move(ctx);
    return success();
}

void HttpServer::Impl::acceptNext() {
    acceptor.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
        if (ec) {
            // Out of descriptors, most likely: retry later instead of spinning.
            retry.expires_after(std::chrono::milliseconds(100));
            retry.async_wait([this](const boost::system::error_code& e) {
                if (!e && acceptor.is_open()) acceptNext();
            });
            return;
        }
        // Module scripts would keep the connection open after safed dies;
        // fcntl cannot fail on a descriptor just accepted.
        (void)setCloseOnExec(socket.native_handle());
        std::erase_if(*connections, [](const auto& c) { return c.second.expired(); });
        boost::system::error_code epError;
        auto ep = socket.remote_endpoint(epError);
        if (epError) {
            socket.close(epError);  // the client is already gone
            return acceptNext();
        }
        // A v4 client of a dual-stack listener: throttled and counted as itself.
        auto unmapped = [](asio::ip::address a) {
            return a.is_v6() && a.to_v6().is_v4_mapped()
                       ? asio::ip::address(asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()))
                       : a;
        };
        std::string address = unmapped(ep.address()).to_string();
        if (serviceAddress) {
            auto local = socket.local_endpoint(epError);
            if (epError || serviceAddress(unmapped(local.address()).to_string())) {
                socket.close(epError);  // a web client on the VIP: not the operators' door
                return acceptNext();
            }
        }
        auto id = nextId++;
        auto admission = slots->admit(ConnectionSlots::clientKey(address), id);
        if (!admission.admitted) {
            boost::system::error_code ignored;
            socket.close(ignored);  // full, or this client holds its share: it retries, the others go on
            return acceptNext();
        }
        if (admission.evict) {
            if (auto it = connections->find(*admission.evict); it != connections->end()) {
                if (auto victim = it->second.lock()) victim->close();
                connections->erase(it);
            }
        }
        auto d =
            std::make_shared<Detector>(api, Limits(options), address, slots, id, std::move(socket), tls, connections);
        (*connections)[id] = d;
        d->start();
        acceptNext();
    });
}

HttpServer::HttpServer(asio::io_context& io, const control::CommandRegistry& registry, HttpOptions options,
                       HttpHooks hooks)
    : impl_(std::make_unique<Impl>(io, registry, std::move(options), std::move(hooks))) {}

HttpServer::~HttpServer() {
    stop();
    impl_->api->stop();
}

Result<void> HttpServer::start() {
    auto& o = impl_->options;
    if (auto r = impl_->api->loadUsers(); !r) return r;
    if (auto r = impl_->loadTls(); !r) return r;

    boost::system::error_code ec;
    auto address = asio::ip::make_address(o.address, ec);
    if (ec) return badInput("listen address '" + o.address + "': " + ec.message());
    tcp::endpoint endpoint(address, o.port);
    std::string where = o.address + " port " + std::to_string(o.port);
    auto& acceptor = impl_->acceptor;
    acceptor.open(endpoint.protocol(), ec);
    if (ec) return osError(ec.value(), "opening the control API socket on " + where);
    // Module scripts would keep port 9010 bound after safed dies.
    if (auto r = setCloseOnExec(acceptor.native_handle()); !r) {
        acceptor.close(ec);
        return r.error();
    }
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (address.is_v6() && address.to_v6().is_unspecified()) acceptor.set_option(asio::ip::v6_only(false), ec);
    acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    tcp::endpoint local;
    if (!ec) local = acceptor.local_endpoint(ec);
    if (ec) {
        boost::system::error_code ignored;
        acceptor.close(ignored);
        return osError(ec.value(), "listening on " + where);
    }
    impl_->port = local.port();
    httpLog(spdlog::level::info, control::MessageId::SF_AGENT_API, "control API on {} port {}{}{}", o.address,
            impl_->port, o.tlsCertFile.empty() ? " (plain HTTP)" : " (HTTPS; plain HTTP for ready.txt and /metrics)",
            impl_->peerTls ? ", calls between nodes over TLS as the cluster " +
                                 impl_->api->peerIdentity()->fingerprint().substr(0, 16)
                           : ", no calls between nodes (no cluster key)");
    impl_->acceptNext();
    return success();
}

void HttpServer::stop() {
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->retry.cancel();
    // A copy: a detector closed here may hand off (and write the map) later,
    // but never while we walk it.
    auto all = *impl_->connections;
    for (auto& [id, w] : all)
        if (auto c = w.lock()) c->close();
    impl_->connections->clear();
}

uint16_t HttpServer::port() const { return impl_->port; }

Result<void> HttpServer::reloadUsers() { return impl_->api->loadUsers(); }

CommandRoles& HttpServer::roles() { return impl_->api->roles(); }

}  // namespace safefarm::http
