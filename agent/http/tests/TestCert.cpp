#include "TestCert.h"

#include <stdexcept>

#include "http/Certificate.h"

namespace safefarm::http::test {

TestCert makeSelfSignedCert(const std::string& commonName) {
    KeyPtr key(EVP_EC_gen("P-256"));
    if (!key) throw std::runtime_error("making the test key");
    CertificateFields fields;
    fields.commonName = commonName;
    fields.altNames = {"IP:127.0.0.1"};
    fields.validity = std::chrono::hours(24);
    auto cert = selfSign(key.get(), fields);
    if (!cert) throw std::runtime_error("making the test certificate: " + cert.error().message());
    return TestCert{certificatePem(cert.value().get()), privateKeyPem(key.get())};
}

}  // namespace safefarm::http::test
