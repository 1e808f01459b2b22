#include "common/CloseOnExec.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "common/UniqueFd.h"

namespace safefarm {
namespace {

TEST(CloseOnExecTest, SetsTheFlagAndKeepsTheOthers) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);  // without O_CLOEXEC, as Asio opens its sockets
    UniqueFd read(fds[0]), write(fds[1]);
    ASSERT_EQ(::fcntl(read.get(), F_GETFD) & FD_CLOEXEC, 0);

    ASSERT_TRUE(setCloseOnExec(read.get()).ok());
    EXPECT_NE(::fcntl(read.get(), F_GETFD) & FD_CLOEXEC, 0);
    EXPECT_EQ(::fcntl(write.get(), F_GETFD) & FD_CLOEXEC, 0);  // only the one asked for
    EXPECT_TRUE(setCloseOnExec(read.get()).ok());              // twice is harmless
}

TEST(CloseOnExecTest, AClosedDescriptorIsAnError) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    ::close(fds[0]);
    ::close(fds[1]);
    auto r = setCloseOnExec(fds[0]);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, EBADF);
    EXPECT_NE(r.error().message().find("close-on-exec"), std::string::npos);
}

}  // namespace
}  // namespace safefarm
