// The cluster's TLS channel: both ends derive one identity from the cluster
// key, each accepts the other only with it, a browser's connection is never
// taken for a peer's, and both ends of one connection (only) share its
// channel binding. Real handshakes on loopback.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <future>
#include <thread>

#include "http/PeerTls.h"

namespace safefarm::http::test {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

std::shared_ptr<const PeerIdentity> identity(uint8_t fill) {
    auto id = PeerIdentity::fromClusterKey(std::vector<uint8_t>(32, fill));
    EXPECT_TRUE(id.ok()) << id.error().message();
    return id.value();
}

struct Ends {
    bool clientOk = false;
    bool serverOk = false;
    long clientVerify = X509_V_OK;
    bool serverSawPeer = false;
    std::string clientChannel, serverChannel;
};

// One handshake: the server is a front context (no certificate of its own,
// as an API without TLS) that routes the peer server name to the cluster's
// context; the client is `client`, asking for `serverName` (or none).
Ends handshake(const std::shared_ptr<const PeerIdentity>& serverId, ssl::context& client, const char* serverName) {
    asio::io_context io;
    ssl::context front(ssl::context::tls_server);
    auto peer = peerServerContext(serverId);
    EXPECT_TRUE(peer.ok());
    routePeerServerName(front, *peer.value());
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    Ends out;
    auto server = std::async(std::launch::async, [&] {
        tcp::socket socket(io);
        acceptor.accept(socket);
        ssl::stream<tcp::socket> s(std::move(socket), front);
        boost::system::error_code ec;
        s.handshake(ssl::stream_base::server, ec);
        out.serverOk = !ec;
        out.serverSawPeer = !ec && isPeerChannel(s.native_handle());
        if (out.serverSawPeer) out.serverChannel = channelBinding(s.native_handle());
        if (!ec) s.shutdown(ec);
    });
    ssl::stream<tcp::socket> c(io, client);
    c.next_layer().connect(acceptor.local_endpoint());
    if (serverName) SSL_set_tlsext_host_name(c.native_handle(), serverName);
    boost::system::error_code ec;
    c.handshake(ssl::stream_base::client, ec);
    out.clientOk = !ec;
    out.clientVerify = SSL_get_verify_result(c.native_handle());
    if (!ec) {
        out.clientChannel = channelBinding(c.native_handle());
        // TLS 1.3: the server's verdict on our certificate arrives after
        // our handshake is done; a read shows it.
        char byte;
        c.read_some(asio::buffer(&byte, 1), ec);
    }
    c.next_layer().close();
    server.wait();
    return out;
}

TEST(PeerTls, TheIdentityIsTheClusterKeys) {
    auto a = identity(1), b = identity(1), other = identity(2);
    EXPECT_EQ(a->fingerprint(), b->fingerprint());
    EXPECT_EQ(a->fingerprint().size(), 64u);
    EXPECT_NE(a->fingerprint(), other->fingerprint());
    EXPECT_TRUE(a->holds(b->certificate()));
    EXPECT_FALSE(a->holds(other->certificate()));
    EXPECT_FALSE(PeerIdentity::fromClusterKey(std::vector<uint8_t>(8, 1)).ok());
}

TEST(PeerTls, NodesOfOneClusterTalkAndShareTheChannelBinding) {
    auto id = identity(1);
    auto client = peerClientContext(identity(1));
    ASSERT_TRUE(client.ok());
    auto first = handshake(id, *client.value(), kPeerServerName);
    ASSERT_TRUE(first.clientOk);
    ASSERT_TRUE(first.serverOk);
    EXPECT_TRUE(first.serverSawPeer);
    EXPECT_EQ(first.clientChannel.size(), 64u);
    EXPECT_EQ(first.clientChannel, first.serverChannel);
    auto second = handshake(id, *client.value(), kPeerServerName);
    ASSERT_TRUE(second.serverSawPeer);
    EXPECT_NE(second.serverChannel, first.serverChannel);  // a recording is good on its connection only
}

TEST(PeerTls, AServerOfAnotherClusterIsRefusedByTheCaller) {
    auto client = peerClientContext(identity(1));
    ASSERT_TRUE(client.ok());
    auto r = handshake(identity(2), *client.value(), kPeerServerName);
    EXPECT_FALSE(r.clientOk);
    EXPECT_EQ(r.clientVerify, X509_V_ERR_CERT_REJECTED);
    EXPECT_FALSE(r.serverSawPeer);
}

TEST(PeerTls, ACallerOfAnotherClusterIsRefusedByTheServer) {
    // It trusts whatever the server shows (it is the attacker): the server
    // must still refuse it.
    auto stranger = identity(2);
    ssl::context client(ssl::context::tls_client);
    SSL_CTX_use_certificate(client.native_handle(), stranger->certificate());
    SSL_CTX_use_PrivateKey(client.native_handle(), stranger->key());
    client.set_verify_mode(ssl::verify_none);
    auto r = handshake(identity(1), client, kPeerServerName);
    EXPECT_FALSE(r.serverOk);
    EXPECT_FALSE(r.serverSawPeer);
}

TEST(PeerTls, ACallerWithoutACertificateIsNotAPeer) {
    ssl::context client(ssl::context::tls_client);
    client.set_verify_mode(ssl::verify_none);
    auto r = handshake(identity(1), client, kPeerServerName);
    EXPECT_FALSE(r.serverOk);
    EXPECT_FALSE(r.serverSawPeer);
}

TEST(PeerTls, WithoutThePeerNameTheClusterCertificateIsNeverShown) {
    // The front has no certificate here (an API without TLS): the handshake
    // fails rather than show the cluster's certificate to a stranger.
    auto client = peerClientContext(identity(1));
    ASSERT_TRUE(client.ok());
    auto r = handshake(identity(1), *client.value(), "web1.example");
    EXPECT_FALSE(r.clientOk);
    EXPECT_FALSE(r.serverSawPeer);
}

}  // namespace
}  // namespace safefarm::http::test
