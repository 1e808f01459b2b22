#include "ScopedNetns.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdlib>

namespace safefarm::test {

ScopedNetns::ScopedNetns(std::string name) : name_(std::move(name)) {
    std::string n = name_, p = name_ + "p";
    std::string cmd = "ip netns del " + n + " 2>/dev/null; ip netns del " + p + " 2>/dev/null; " + "ip netns add " + n +
                      " && ip netns add " + p + " && ip -n " + n + " link add a0 type veth peer name b0 netns " + p +
                      " && ip -n " + n + " link set a0 up && ip -n " + p + " link set b0 up && ip -n " + n +
                      " link set lo up";
    if (std::system(cmd.c_str()) != 0) return;
    home_ = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    int fd = open(("/run/netns/" + n).c_str(), O_RDONLY | O_CLOEXEC);
    ok_ = home_ >= 0 && fd >= 0 && setns(fd, CLONE_NEWNET) == 0;
    if (fd >= 0) close(fd);
}

ScopedNetns::~ScopedNetns() {
    if (home_ >= 0) {
        (void)setns(home_, CLONE_NEWNET);
        close(home_);
    }
    std::string cmd = "ip netns del " + name_ + " 2>/dev/null; ip netns del " + name_ + "p 2>/dev/null";
    (void)std::system(cmd.c_str());
}

}  // namespace safefarm::test
