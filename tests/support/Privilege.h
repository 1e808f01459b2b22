// Tests that need root, BPF or network namespaces call SAFEFARM_REQUIRE_PRIVILEGE()
// first: without privilege they skip with the reason, unless REQUIRE_PRIVILEGED=1
// (CI), where skipping would hide a test that never ran, so they fail.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace safefarm::test {

inline bool privilegeRequired() {
    const char* v = std::getenv("REQUIRE_PRIVILEGED");
    return v && std::string(v) == "1";
}

inline bool havePrivilege() { return geteuid() == 0; }

}  // namespace safefarm::test

#define SAFEFARM_REQUIRE_PRIVILEGE()                                                      \
    do {                                                                                  \
        if (!::safefarm::test::havePrivilege()) {                                         \
            if (::safefarm::test::privilegeRequired())                                    \
                FAIL() << "needs root (BPF, namespaces) and REQUIRE_PRIVILEGED=1 is set"; \
            GTEST_SKIP() << "needs root (BPF, namespaces); run as root to test";          \
        }                                                                                 \
    } while (0)
