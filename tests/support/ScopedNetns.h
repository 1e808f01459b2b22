// A throw-away network namespace with one veth pair (a0 inside, its peer b0
// in a second namespace), entered by the calling thread for the object's
// lifetime. Mounts are untouched, so /sys/fs/bpf is the host's: pins are
// shared, which is why every test names its instance uniquely.
#pragma once

#include <string>

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
