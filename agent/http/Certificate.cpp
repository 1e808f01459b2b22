#include "http/Certificate.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <system_error>

#include "common/FileModes.h"

namespace safefarm::http {

namespace {

struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};

std::string drain(BIO* bio) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(n));
}

Result<void> addExtension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
    if (!ext) return openSslError("certificate extension '" + value + "'");
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    if (ok != 1) return openSslError("adding certificate extension '" + value + "'");
    return success();
}

}  // namespace

Error openSslError(const std::string& what) {
    char text[256] = "unknown error";
    if (unsigned long e = ERR_get_error()) ERR_error_string_n(e, text, sizeof text);
    ERR_clear_error();
    return badInput(what + ": " + text);
}

Result<CertPtr> selfSign(EVP_PKEY* key, const CertificateFields& f) {
    CertPtr cert(X509_new());
    if (!cert) return openSslError("X509_new");
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), f.serial);
    if (f.fromEpoch) {
        // 2020-01-01 to 2120-01-01: the same bytes on every node, valid
        // whatever a node's clock says.
        ASN1_TIME_set(X509_getm_notBefore(cert.get()), 1577836800);
        ASN1_TIME_set_string(X509_getm_notAfter(cert.get()), "21200101000000Z");
    } else {
        X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);  // a peer's clock a little behind
        X509_time_adj_ex(X509_getm_notAfter(cert.get()), static_cast<int>(f.validity.count() / 24),
                         static_cast<long>(f.validity.count() % 24) * 3600, nullptr);
    }
    if (X509_set_pubkey(cert.get(), key) != 1) return openSslError("X509_set_pubkey");
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(f.commonName.c_str()),
                               -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);

    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    std::string alt;
    for (const auto& a : f.altNames) alt += (alt.empty() ? "" : ",") + a;
    if (!alt.empty())
        if (auto r = addExtension(cert.get(), &ctx, NID_subject_alt_name, alt); !r) return r.error();
    if (auto r = addExtension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE"); !r) return r.error();
    if (auto r = addExtension(cert.get(), &ctx, NID_ext_key_usage, "serverAuth,clientAuth"); !r) return r.error();
    // Ed25519 signs the whole message itself: no digest.
    const EVP_MD* md = EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
    if (X509_sign(cert.get(), key, md) <= 0) return openSslError("signing the certificate");
    return cert;
}

std::string certificatePem(X509* cert) {
    std::unique_ptr<BIO, BioFree> b(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(b.get(), cert);
    return drain(b.get());
}

std::string privateKeyPem(EVP_PKEY* key) {
    std::unique_ptr<BIO, BioFree> b(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(b.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
    return drain(b.get());
}

Result<void> ensureSelfSignedPair(const std::string& certFile, const std::string& keyFile,
                                  const CertificateFields& fields) {
    std::error_code ec;
    bool haveCert = std::filesystem::exists(certFile, ec), haveKey = std::filesystem::exists(keyFile, ec);
    if (haveCert && haveKey) return success();
    if (haveCert)
        return badInput(keyFile + " is missing while " + certFile +
                        " exists: remove the certificate to have a new pair made, or put the key back");
    KeyPtr key;
    if (haveKey) {
        // A crash between the two writes below: keep the key, make its certificate.
        std::unique_ptr<BIO, BioFree> b(BIO_new_file(keyFile.c_str(), "r"));
        if (b) key.reset(PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr));
        if (!key) return openSslError("reading " + keyFile + " (its certificate " + certFile + " is missing)");
    } else {
        key.reset(EVP_EC_gen("P-256"));
        if (!key) return openSslError("making a P-256 key");
    }
    auto cert = selfSign(key.get(), fields);
    if (!cert) return cert.error();
    auto folder = std::filesystem::path(certFile).parent_path().string();
    if (!folder.empty())
        if (auto r = files::makeFolders(folder); !r) return r;
    if (!haveKey)
        if (auto r = files::replaceFile(keyFile, privateKeyPem(key.get()), files::kSecretMode); !r) return r;
    return files::replaceFile(certFile, certificatePem(cert.value().get()), files::kFileMode);
}

}  // namespace safefarm::http
