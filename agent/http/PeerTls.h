// The TLS channel between the nodes' control APIs (docs/design.md "Calls
// between nodes"). Every node derives one Ed25519 key pair from the cluster
// key (HKDF-SHA256) and a certificate for it; a node-to-node call is TLS in
// both directions with that certificate, and each side accepts the other
// only if it holds the same public key. Nothing to distribute or renew: the
// cluster key, already on every node for the heartbeats, is the identity.
//
// The caller asks for the server name kPeerServerName; the API's TLS
// front (HttpServer) then switches to the cluster's certificate and asks
// for the caller's. A browser, which never sends that name, sees the API's
// own certificate and is never asked for one.
//
// Each signed call is also bound to its TLS connection (the RFC 5705
// exporter, PeerAuth.h): a call recorded on one connection is refused on
// any other, also after the receiver restarted with an empty nonce cache.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "common/Result.h"
#include "http/Certificate.h"

namespace safefarm::http {

// Under .invalid (RFC 6761): never a real name, never resolved.
inline constexpr const char* kPeerServerName = "peer.safefarm.invalid";

// A new context, or why OpenSSL made none. Asio's constructor throws then
// (boost::system::system_error): one of the exceptions Asio forces on us,
// caught here and nowhere else (README.md "Errors").
Result<boost::asio::ssl::context> newTlsContext(boost::asio::ssl::context::method method);

class PeerIdentity {
public:
    // From the cluster key (at least 16 bytes): the same on every node.
    static Result<std::shared_ptr<const PeerIdentity>> fromClusterKey(std::span<const uint8_t> clusterKey);

    EVP_PKEY* key() const { return key_.get(); }
    X509* certificate() const { return cert_.get(); }
    // SHA-256 of the public key, hex: what logs and docs call the cluster's
    // TLS fingerprint.
    const std::string& fingerprint() const { return fingerprint_; }
    // Does this certificate hold our public key?
    bool holds(X509* cert) const;

private:
    KeyPtr key_;
    CertPtr cert_;
    std::string fingerprint_;
};

// TLS 1.3, our certificate, and the other side's required and checked
// against the identity (which must outlive the context).
Result<std::shared_ptr<boost::asio::ssl::context>> peerClientContext(std::shared_ptr<const PeerIdentity> identity);
Result<std::shared_ptr<boost::asio::ssl::context>> peerServerContext(std::shared_ptr<const PeerIdentity> identity);

// The front context's server-name callback: a caller that asks for
// kPeerServerName is moved to `peer` (and must show its certificate).
// `front` and `peer` must outlive every connection.
void routePeerServerName(boost::asio::ssl::context& front, boost::asio::ssl::context& peer);

// True once the handshake of a connection that came through the peer
// context is done: the caller showed the cluster's certificate.
bool isPeerChannel(SSL* ssl);

// 32 bytes of RFC 5705 keying material, hex: the same at both ends of one
// connection, different on every other. "" if the export failed.
std::string channelBinding(SSL* ssl);

}  // namespace safefarm::http
