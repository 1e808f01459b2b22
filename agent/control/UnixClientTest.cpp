#include "control/UnixClient.h"

#include <gtest/gtest.h>

#include "TempDir.h"
#include "UnixSocket.h"

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
    test::TempDir dir("sfcli");
    std::string path = dir / "safed.sock";
    ASSERT_TRUE(test::makeStaleSocket(path));

    auto r = call(path, {"state", "", {}}, 1s);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ECONNREFUSED);
    EXPECT_TRUE(notRunning(r.error()));
    EXPECT_EQ(r.error().context, "safed is not running (nothing listens on " + path + ")");
}

TEST(ControlClient, BadPath) {
    EXPECT_FALSE(call(std::string(200, 'x'), {"state", "", {}}, 1s).ok());
    EXPECT_FALSE(notRunning(Error{EACCES, ""}));
}

}  // namespace
}  // namespace safefarm::control
