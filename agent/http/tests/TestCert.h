// A self-signed certificate made in the test (http/Certificate.h, P-256), for
// 127.0.0.1: nothing is read from or left outside the test's folder.
#pragma once

#include <string>

namespace safefarm::http::test {

struct TestCert {
    std::string certPem;
    std::string keyPem;
};

TestCert makeSelfSignedCert(const std::string& commonName = "127.0.0.1");

}  // namespace safefarm::http::test
