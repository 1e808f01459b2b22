// The API's self-made certificate: made once and kept, a crash's leftovers
// handled, modes as promised, a certificate curl and browsers can check
// (subjectAltName for the node's names).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <fstream>

#include "FileText.h"
#include "TempDir.h"
#include "http/Certificate.h"

namespace safefarm::http::test {
namespace {

namespace fs = std::filesystem;

class CertificateTest : public ::testing::Test {
protected:
    void SetUp() override {
        fields_.commonName = "web1";
        fields_.altNames = {"DNS:web1", "IP:10.0.0.1"};
    }

    safefarm::test::TempDir tmp_{"safefarm-cert"};
    const fs::path dir_ = tmp_.path();
    CertificateFields fields_;
};

TEST_F(CertificateTest, APairIsMadeOnceWithItsModesAndNames) {
    auto cert = dir_ / "tls" / "api.crt", key = dir_ / "tls" / "api.key";
    ASSERT_TRUE(ensureSelfSignedPair(cert.string(), key.string(), fields_).ok());
    struct stat st {};
    ASSERT_EQ(::stat(key.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat(cert.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0640u);
    auto first = safefarm::test::readFile(cert);
    ASSERT_TRUE(ensureSelfSignedPair(cert.string(), key.string(), fields_).ok());
    EXPECT_EQ(safefarm::test::readFile(cert), first);  // kept: a browser's exception holds

    BIO* b = BIO_new_mem_buf(first.data(), static_cast<int>(first.size()));
    CertPtr x(PEM_read_bio_X509(b, nullptr, nullptr, nullptr));
    BIO_free(b);
    ASSERT_TRUE(x);
    EXPECT_EQ(X509_check_host(x.get(), "web1", 0, 0, nullptr), 1);
    EXPECT_EQ(X509_check_ip_asc(x.get(), "10.0.0.1", 0), 1);
    EXPECT_EQ(X509_check_ip_asc(x.get(), "10.0.0.2", 0), 0);
    // Valid now, and for years.
    EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(x.get())), 0);
    time_t in9Years = time(nullptr) + 9L * 365 * 24 * 3600;
    EXPECT_GT(X509_cmp_time(X509_get0_notAfter(x.get()), &in9Years), 0);
}

TEST_F(CertificateTest, AKeyWithoutItsCertificateGetsOneACertificateWithoutItsKeyIsAnError) {
    auto cert = dir_ / "api.crt", key = dir_ / "api.key";
    ASSERT_TRUE(ensureSelfSignedPair(cert.string(), key.string(), fields_).ok());
    auto keyText = safefarm::test::readFile(key);
    fs::remove(cert);
    ASSERT_TRUE(ensureSelfSignedPair(cert.string(), key.string(), fields_).ok());
    EXPECT_EQ(safefarm::test::readFile(key), keyText);
    EXPECT_TRUE(fs::exists(cert));
    fs::remove(key);
    auto r = ensureSelfSignedPair(cert.string(), key.string(), fields_);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("api.key is missing"), std::string::npos) << r.error().message();
    EXPECT_FALSE(fs::exists(key));  // nothing made half
}

TEST_F(CertificateTest, AnUnreadableKeyIsAnErrorNotANewKey) {
    auto cert = dir_ / "api.crt", key = dir_ / "api.key";
    std::ofstream(key) << "not a key\n";
    auto r = ensureSelfSignedPair(cert.string(), key.string(), fields_);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("reading"), std::string::npos) << r.error().message();
    EXPECT_EQ(safefarm::test::readFile(key), "not a key\n");
    EXPECT_FALSE(fs::exists(cert));
}

}  // namespace
}  // namespace safefarm::http::test
