// A throw-away network namespace with one veth pair (a0 inside, its peer b0
// in a second namespace), entered by the calling thread for the object's
// lifetime. Mounts are untouched, so /sys/fs/bpf is the host's: pins are
// shared, which is why every test names its instance uniquely.
#pragma once

#include <unistd.h>

#include <memory>
#include <string>

#include "Privilege.h"

namespace safefarm::test {

class ScopedNetns {
public:
    explicit ScopedNetns(std::string name);
    ~ScopedNetns();
    ScopedNetns(const ScopedNetns&) = delete;
    ScopedNetns& operator=(const ScopedNetns&) = delete;

    bool ok() const { return ok_; }
    const std::string& name() const { return name_; }

private:
    std::string name_;
    int home_ = -1;
    bool ok_ = false;
};

}  // namespace safefarm::test

// For a fixture's SetUp: skips (or fails, Privilege.h) without root, then
// enters a fresh namespace named prefix + pid into `ns` (a
// std::unique_ptr<ScopedNetns>), failing the test if it cannot be made.
#define SAFEFARM_ENTER_TEST_NETNS(ns, prefix)                                                                   \
    do {                                                                                                        \
        SAFEFARM_REQUIRE_PRIVILEGE();                                                                           \
        ns = std::make_unique<::safefarm::test::ScopedNetns>(std::string(prefix) + std::to_string(::getpid())); \
        ASSERT_TRUE(ns->ok()) << "could not create the test namespace " << ns->name();                          \
    } while (0)
