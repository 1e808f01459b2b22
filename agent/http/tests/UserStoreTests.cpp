#include "http/UserStore.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "TempDir.h"

namespace safefarm::http {
namespace {

namespace fs = std::filesystem;

using TempDir = safefarm::test::TempDir;

TEST(UserStore, SaveLoadRoundTripWithMode0600) {
    TempDir dir("safefarm-users");
    std::string file = (dir.path() / "users.json").string();
    UserStore store;
    ASSERT_TRUE(store.setUser("alice", Role::Admin, "alice-password", kMinPbkdf2Iterations).ok());
    auto key = store.addApiKey("ci", Role::Control);
    ASSERT_TRUE(key.ok());
    EXPECT_TRUE(key.value().starts_with("sfk_"));
    ASSERT_TRUE(store.save(file).ok());

    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(text.find("alice-password"), std::string::npos) << "no password in clear";
    EXPECT_EQ(text.find(key.value()), std::string::npos) << "no API key in clear";

    auto loaded = UserStore::load(file);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message();
    ASSERT_NE(loaded->findUser("alice"), nullptr);
    EXPECT_EQ(loaded->findUser("alice")->role, Role::Admin);
    auto who = loaded->findApiKey(key.value());
    ASSERT_TRUE(who);
    EXPECT_EQ(who->name, "ci");
    EXPECT_EQ(who->role, Role::Control);
    EXPECT_FALSE(loaded->findApiKey(key.value() + "x"));
    EXPECT_FALSE(loaded->findApiKey(""));
}

TEST(UserStore, MissingFileIsEmptyNotAnError) {
    auto loaded = UserStore::load("/nonexistent/safefarm/users.json");
    ASSERT_TRUE(loaded.ok());
    EXPECT_TRUE(loaded->users().empty());
}

TEST(UserStore, BadFilesNameTheEntry) {
    auto bad = [](const char* text) {
        auto r = UserStore::parse(text, "users.json");
        EXPECT_FALSE(r.ok()) << text;
        return r.ok() ? std::string() : r.error().message();
    };
    EXPECT_EQ(bad("{"), "users.json: malformed JSON");
    EXPECT_EQ(bad(R"({"users": {"bob": {"role": "root", "password": "x"}}})"),
              "users.json: users.bob: role 'root' is not admin, control or monitor");
    EXPECT_NE(bad(R"({"users": {"bob": {"role": "admin", "password": "plain"}}})").find("users.bob"),
              std::string::npos);
    EXPECT_NE(bad(R"({"api_keys": {"k": {"role": "admin", "sha256": "abc"}}})").find("api_keys.k"), std::string::npos);
    EXPECT_NE(bad(R"({"userz": {}})").find("unknown key"), std::string::npos);
    EXPECT_NE(bad(R"({"users": {"bad name": {"role": "admin"}}})").find("bad user name"), std::string::npos);
}

TEST(UserStore, RefusesBadNamesAndShortPasswords) {
    UserStore store;
    EXPECT_FALSE(store.setUser("a b", Role::Admin, "long-enough", kMinPbkdf2Iterations).ok());
    EXPECT_FALSE(store.setUser("", Role::Admin, "long-enough", kMinPbkdf2Iterations).ok());
    EXPECT_FALSE(store.setUser("bob", Role::Admin, "short", kMinPbkdf2Iterations).ok());
    EXPECT_FALSE(store.addApiKey("a/b", Role::Admin).ok());
}

TEST(UserStore, AddUserToFileCreatesThenUpdates) {
    TempDir dir("safefarm-users");
    std::string file = (dir.path() / "users.json").string();
    ASSERT_TRUE(addUserToFile(file, "op", Role::Control, "op-password", kMinPbkdf2Iterations).ok());
    ASSERT_TRUE(addUserToFile(file, "op", Role::Monitor, "new-password", kMinPbkdf2Iterations).ok());
    auto loaded = UserStore::load(file);
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(loaded->findUser("op")->role, Role::Monitor);
    auto v = verifyPassword("new-password", loaded->findUser("op")->passwordHash);
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v.value());
}

}  // namespace
}  // namespace safefarm::http
