#include "http/PeerTls.h"

#include <openssl/err.h>
#include <openssl/kdf.h>

#include <cstring>
#include <string_view>

#include "http/Crypto.h"

namespace safefarm::http {

namespace asio = boost::asio;
namespace ssl = asio::ssl;

namespace {

constexpr std::string_view kSalt = "safefarm peer tls";
constexpr std::string_view kInfo = "ed25519 identity v1";
constexpr std::string_view kExporterLabel = "EXPORTER-safefarm-peer";

struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};

// The private key's 32 bytes: HKDF-SHA256 of the cluster key, so every
// node that holds the key derives the same pair and nobody else can.
Result<std::string> derive(std::span<const uint8_t> clusterKey) {
    std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr));
    unsigned char out[32];
    std::size_t len = sizeof out;
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0 || EVP_PKEY_CTX_set_hkdf_md(ctx.get(), EVP_sha256()) <= 0 ||
        EVP_PKEY_CTX_set1_hkdf_salt(ctx.get(), reinterpret_cast<const unsigned char*>(kSalt.data()),
                                    static_cast<int>(kSalt.size())) <= 0 ||
        EVP_PKEY_CTX_set1_hkdf_key(ctx.get(), clusterKey.data(), static_cast<int>(clusterKey.size())) <= 0 ||
        EVP_PKEY_CTX_add1_hkdf_info(ctx.get(), reinterpret_cast<const unsigned char*>(kInfo.data()),
                                    static_cast<int>(kInfo.size())) <= 0 ||
        EVP_PKEY_derive(ctx.get(), out, &len) <= 0 || len != sizeof out)
        return openSslError("deriving the cluster's TLS key");
    std::string key(reinterpret_cast<const char*>(out), sizeof out);
    OPENSSL_cleanse(out, sizeof out);
    return key;
}

// Replaces the chain check: the other side is ours if its certificate holds
// the cluster's public key, whoever signed it.
int checkPeerCertificate(X509_STORE_CTX* store, void* arg) {
    const auto* identity = static_cast<const PeerIdentity*>(arg);
    X509* leaf = X509_STORE_CTX_get0_cert(store);
    if (leaf && identity->holds(leaf)) return 1;
    X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
    return 0;
}

// An ssl::context that keeps the identity its callback points to alive.
struct Held {
    std::shared_ptr<const PeerIdentity> identity;
    ssl::context context;
};

Result<std::shared_ptr<ssl::context>> makeContext(std::shared_ptr<const PeerIdentity> identity, bool server) {
    auto made = newTlsContext(server ? ssl::context::tls_server : ssl::context::tls_client);
    if (!made) return made.error();
    auto held = std::make_shared<Held>(Held{identity, std::move(made.value())});
    SSL_CTX* ctx = held->context.native_handle();
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
        SSL_CTX_use_certificate(ctx, identity->certificate()) != 1 || SSL_CTX_use_PrivateKey(ctx, identity->key()) != 1)
        return openSslError("setting up the cluster's TLS context");
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | (server ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), nullptr);
    SSL_CTX_set_cert_verify_callback(ctx, checkPeerCertificate, const_cast<PeerIdentity*>(identity.get()));
    return std::shared_ptr<ssl::context>(held, &held->context);
}

int onServerName(SSL* ssl, int*, void* arg) {
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (!name || std::strcmp(name, kPeerServerName) != 0) return SSL_TLSEXT_ERR_OK;
    auto* peer = static_cast<SSL_CTX*>(arg);
    if (!SSL_set_SSL_CTX(ssl, peer)) return SSL_TLSEXT_ERR_ALERT_FATAL;
    // The verify mode is the connection's own, copied when it was made:
    // set it as the peer context has it (nginx does the same per server).
    SSL_set_verify(ssl, SSL_CTX_get_verify_mode(peer), nullptr);
    return SSL_TLSEXT_ERR_OK;
}

}  // namespace

Result<std::shared_ptr<const PeerIdentity>> PeerIdentity::fromClusterKey(std::span<const uint8_t> clusterKey) {
    if (clusterKey.size() < 16) return badInput("the cluster key is shorter than 16 bytes");
    auto secret = derive(clusterKey);
    if (!secret) return secret.error();
    auto id = std::make_shared<PeerIdentity>();
    id->key_.reset(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                                reinterpret_cast<const unsigned char*>(secret.value().data()),
                                                secret.value().size()));
    OPENSSL_cleanse(secret.value().data(), secret.value().size());
    if (!id->key_) return openSslError("making the cluster's Ed25519 key");
    CertificateFields fields;
    fields.commonName = "safefarm cluster";
    fields.altNames = {std::string("DNS:") + kPeerServerName};
    fields.fromEpoch = true;
    auto cert = selfSign(id->key_.get(), fields);
    if (!cert) return cert.error();
    id->cert_ = std::move(cert.value());
    unsigned char pub[32];
    std::size_t len = sizeof pub;
    if (EVP_PKEY_get_raw_public_key(id->key_.get(), pub, &len) != 1)
        return openSslError("reading the cluster's public key");
    id->fingerprint_ = sha256Hex(std::string_view(reinterpret_cast<const char*>(pub), len));
    return std::shared_ptr<const PeerIdentity>(std::move(id));
}

bool PeerIdentity::holds(X509* cert) const {
    EVP_PKEY* theirs = X509_get0_pubkey(cert);
    return theirs && EVP_PKEY_eq(theirs, key_.get()) == 1;
}

Result<ssl::context> newTlsContext(ssl::context::method method) {
    try {
        return ssl::context(method);
    } catch (const boost::system::system_error& e) {
        return badInput(std::string("making a TLS context: ") + e.what());
    }
}

Result<std::shared_ptr<ssl::context>> peerClientContext(std::shared_ptr<const PeerIdentity> identity) {
    return makeContext(std::move(identity), false);
}

Result<std::shared_ptr<ssl::context>> peerServerContext(std::shared_ptr<const PeerIdentity> identity) {
    return makeContext(std::move(identity), true);
}

void routePeerServerName(ssl::context& front, ssl::context& peer) {
    SSL_CTX_set_tlsext_servername_callback(front.native_handle(), onServerName);
    SSL_CTX_set_tlsext_servername_arg(front.native_handle(), peer.native_handle());
}

bool isPeerChannel(SSL* ssl) {
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    return name && std::strcmp(name, kPeerServerName) == 0 && SSL_get0_peer_certificate(ssl) != nullptr &&
           SSL_get_verify_result(ssl) == X509_V_OK;
}

std::string channelBinding(SSL* ssl) {
    unsigned char out[32];
    if (SSL_export_keying_material(ssl, out, sizeof out, kExporterLabel.data(), kExporterLabel.size(), nullptr, 0, 0) !=
        1)
        return "";
    return toHex(std::string_view(reinterpret_cast<const char*>(out), sizeof out));
}

}  // namespace safefarm::http
