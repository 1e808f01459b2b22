// The users and API keys the control API accepts, kept in one JSON file
// (0600, root's) that `safectl user add` and an admin's editor both write:
//
//   {
//     "users":    {"alice": {"role": "admin",   "password": "pbkdf2-sha256$600000$<salt>$<key>"}},
//     "api_keys": {"ci":    {"role": "control", "sha256": "<hex SHA-256 of the key>"}}
//   }
//
// Passwords are stored as a slow salted hash (PasswordHash.h); API keys as
// a plain SHA-256, which is enough for 256 random bits. Neither is ever
// stored or logged in clear.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/Result.h"
#include "http/PasswordHash.h"
#include "http/Role.h"

namespace safefarm::http {

struct UserEntry {
    Role role = Role::Monitor;
    std::string passwordHash;
};

struct ApiKeyEntry {
    Role role = Role::Monitor;
    std::string sha256;  // hex
};

// Who a request comes from, once authenticated.
struct Identity {
    std::string name;  // user name, or API key name
    Role role = Role::Monitor;
};

class UserStore {
public:
    // A file that does not exist is an empty store (nobody can log in);
    // a file that exists but is wrong is an error with the file and the entry.
    static Result<UserStore> load(const std::string& path);
    static Result<UserStore> parse(std::string_view text, const std::string& origin = "users file");
    // Written to a temporary file then renamed, mode 0600: never half a file.
    Result<void> save(const std::string& path) const;

    // Names: letters, digits, '.', '_', '-', 1 to 64 of them.
    static bool validName(std::string_view name);

    Result<void> setUser(const std::string& name, Role role, std::string_view password,
                         unsigned iterations = kDefaultPbkdf2Iterations);
    bool removeUser(const std::string& name) { return users_.erase(name) != 0; }
    const UserEntry* findUser(const std::string& name) const;

    // Makes a key "sfk_<64 hex>", stores its hash, returns it: shown once.
    Result<std::string> addApiKey(const std::string& name, Role role);
    bool removeApiKey(const std::string& name) { return apiKeys_.erase(name) != 0; }
    std::optional<Identity> findApiKey(std::string_view key) const;

    const std::map<std::string, UserEntry>& users() const { return users_; }
    const std::map<std::string, ApiKeyEntry>& apiKeys() const { return apiKeys_; }

private:
    std::map<std::string, UserEntry> users_;
    std::map<std::string, ApiKeyEntry> apiKeys_;
};

// For `safectl user add NAME ROLE` (password from the terminal): loads the
// file (or starts one), sets the user, saves.
Result<void> addUserToFile(const std::string& path, const std::string& name, Role role, std::string_view password,
                           unsigned iterations = kDefaultPbkdf2Iterations);

}  // namespace safefarm::http
