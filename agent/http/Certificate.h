// Self-signed X.509 certificates, made with OpenSSL's own calls (no openssl
// command): the API's certificate when the operator gives none, and the
// cluster's certificate on node-to-node calls (PeerTls.h).
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/Result.h"

namespace safefarm::http {

struct KeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
    void operator()(X509* c) const { X509_free(c); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using CertPtr = std::unique_ptr<X509, CertFree>;

struct CertificateFields {
    std::string commonName;
    // subjectAltName entries as OpenSSL writes them: "DNS:web1", "IP:10.0.0.1".
    std::vector<std::string> altNames;
    std::chrono::hours validity{24 * 365 * 10};
    long serial = 1;
    // Fixed dates instead of now (the cluster certificate: every node makes
    // the same one).
    bool fromEpoch = false;
};

// A certificate for `key`, signed by itself (Ed25519 keys sign without a
// digest, the others with SHA-256).
Result<CertPtr> selfSign(EVP_PKEY* key, const CertificateFields& fields);

// What OpenSSL's error queue says (then empties it), after `what`.
Error openSslError(const std::string& what);

std::string certificatePem(X509* cert);
std::string privateKeyPem(EVP_PKEY* key);

// The API's certificate when the operator gives none: made once (a P-256
// key, 10 years) and kept, so a browser's exception holds across restarts.
// Both files there: nothing done. A certificate without its key: an error.
// A key without its certificate (a crash between the two writes): its
// certificate is made. The key is written 0600, the certificate 0640 (as
// the rest of the configuration, FileModes.h), each
// through a temporary file and a rename: a crash leaves no half file.
Result<void> ensureSelfSignedPair(const std::string& certFile, const std::string& keyFile,
                                  const CertificateFields& fields);

}  // namespace safefarm::http
