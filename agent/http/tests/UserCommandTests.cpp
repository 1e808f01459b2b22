#include "http/UserCommand.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "TempDir.h"
#include "http/UserStore.h"

namespace safefarm::http {
namespace {

namespace fs = std::filesystem;

class UserCommandTest : public ::testing::Test {
protected:
    void SetUp() override { file_ = (dir_ / "users.json").string(); }

    int run(std::vector<std::string> args, const std::string& input = "") {
        std::istringstream in(input);
        out_.str("");
        err_.str("");
        return userCommand(file_, args, in, out_, err_, kMinPbkdf2Iterations);
    }

    safefarm::test::TempDir tmp_{"safefarm-usercmd"};
    const fs::path dir_ = tmp_.path();
    std::string file_;
    std::ostringstream out_, err_;
};

TEST_F(UserCommandTest, AddKeyListRemoveRevoke) {
    ASSERT_EQ(run({"add", "alice", "admin"}, "alice-password\n"), 0) << err_.str();
    ASSERT_EQ(run({"key", "ci", "control"}), 0) << err_.str();
    std::string key = out_.str();
    key.pop_back();
    EXPECT_TRUE(key.starts_with("sfk_"));

    auto store = UserStore::load(file_);
    ASSERT_TRUE(store.ok());
    EXPECT_TRUE(verifyPassword("alice-password", store->findUser("alice")->passwordHash).value());
    EXPECT_EQ(store->findApiKey(key)->role, Role::Control);

    ASSERT_EQ(run({"list"}), 0);
    EXPECT_EQ(out_.str(), "user alice admin\nkey  ci control\n");
    EXPECT_EQ(out_.str().find("pbkdf2"), std::string::npos);

    EXPECT_EQ(run({"remove", "alice"}), 0);
    EXPECT_EQ(run({"revoke", "ci"}), 0);
    EXPECT_EQ(run({"remove", "alice"}), 1);
    EXPECT_NE(err_.str().find("no user 'alice'"), std::string::npos);
    ASSERT_EQ(run({"list"}), 0);
    EXPECT_EQ(out_.str(), "");
}

TEST_F(UserCommandTest, UsageAndBadInput) {
    EXPECT_EQ(run({}), 2);
    EXPECT_EQ(run({"add", "alice"}), 2);
    EXPECT_EQ(run({"frobnicate"}), 2);
    EXPECT_EQ(run({"add", "alice", "root"}, "password123\n"), 2);
    EXPECT_EQ(run({"add", "alice", "admin"}, "short\n"), 1);
    EXPECT_NE(err_.str().find("at least 8"), std::string::npos);
    EXPECT_FALSE(fs::exists(file_));  // nothing written on a refusal
}

}  // namespace
}  // namespace safefarm::http
