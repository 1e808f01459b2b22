#include "control/UnixClient.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

namespace safefarm::control {
namespace {

using namespace std::chrono_literals;

TEST(ControlClient, NotRunningWithoutSocket) {
    auto r = call("/tmp/safefarm-no-such-dir/safed.sock", {"state", "", {}}, 1s);
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(notRunning(r.error()));
    EXPECT_EQ(r.error().context, "safed is not running (no socket at /tmp/safefarm-no-such-dir/safed.sock)");
}

TEST(ControlClient, NotRunningWhenNothingListens) {
    char tmpl[] = "/tmp/sfcli.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    std::string path = std::string(tmpl) + "/safed.sock";
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::close(fd);

    auto r = call(path, {"state", "", {}}, 1s);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ECONNREFUSED);
    EXPECT_TRUE(notRunning(r.error()));
    EXPECT_EQ(r.error().context, "safed is not running (nothing listens on " + path + ")");
    std::filesystem::remove_all(tmpl);
}

TEST(ControlClient, BadPath) {
    EXPECT_FALSE(call(std::string(200, 'x'), {"state", "", {}}, 1s).ok());
    EXPECT_FALSE(notRunning(Error{EACCES, ""}));
}

}  // namespace
}  // namespace safefarm::control
