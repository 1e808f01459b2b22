#include "http/UserStore.h"

#include <cctype>
#include <cerrno>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/FileModes.h"
#include "http/Crypto.h"

namespace safefarm::http {

using nlohmann::json;

namespace {

Result<Role> roleOf(const json& entry, const std::string& where) {
    auto r = entry.find("role");
    if (r == entry.end() || !r->is_string()) return badInput(where + ": no \"role\" string");
    auto role = parseRole(r->get<std::string>());
    if (!role) return badInput(where + ": role '" + r->get<std::string>() + "' is not admin, control or monitor");
    return *role;
}

}  // namespace

bool UserStore::validName(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
    return true;
}

Result<UserStore> UserStore::parse(std::string_view text, const std::string& origin) {
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return badInput(origin + ": malformed JSON");
    if (!j.is_object()) return badInput(origin + ": not a JSON object");
    UserStore store;
    for (const auto& [key, value] : j.items())
        if (key != "users" && key != "api_keys") return badInput(origin + ": unknown key \"" + key + "\"");

    if (auto users = j.find("users"); users != j.end()) {
        if (!users->is_object()) return badInput(origin + ": \"users\" is not an object");
        for (const auto& [name, entry] : users->items()) {
            std::string where = origin + ": users." + name;
            if (!validName(name)) return badInput(where + ": bad user name");
            if (!entry.is_object()) return badInput(where + ": not an object");
            auto role = roleOf(entry, where);
            if (!role) return role.error();
            auto pw = entry.find("password");
            if (pw == entry.end() || !pw->is_string()) return badInput(where + ": no \"password\" hash");
            if (auto ok = checkPasswordHash(pw->get<std::string>()); !ok)
                return badInput(where + ": " + ok.error().message());
            store.users_[name] = UserEntry{role.value(), pw->get<std::string>()};
        }
    }
    if (auto keys = j.find("api_keys"); keys != j.end()) {
        if (!keys->is_object()) return badInput(origin + ": \"api_keys\" is not an object");
        for (const auto& [name, entry] : keys->items()) {
            std::string where = origin + ": api_keys." + name;
            if (!validName(name)) return badInput(where + ": bad key name");
            if (!entry.is_object()) return badInput(where + ": not an object");
            auto role = roleOf(entry, where);
            if (!role) return role.error();
            auto h = entry.find("sha256");
            if (h == entry.end() || !h->is_string() || h->get<std::string>().size() != 64 ||
                !fromHex(h->get<std::string>()))
                return badInput(where + ": \"sha256\" is not 64 hex digits");
            store.apiKeys_[name] = ApiKeyEntry{role.value(), h->get<std::string>()};
        }
    }
    return store;
}

Result<UserStore> UserStore::load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (errno == ENOENT) return UserStore{};
        return osError(errno, "reading " + path);
    }
    std::stringstream text;
    text << in.rdbuf();
    return parse(text.str(), path);
}

Result<void> UserStore::save(const std::string& path) const {
    json j = {{"users", json::object()}, {"api_keys", json::object()}};
    for (const auto& [name, u] : users_) j["users"][name] = {{"role", roleName(u.role)}, {"password", u.passwordHash}};
    for (const auto& [name, k] : apiKeys_) j["api_keys"][name] = {{"role", roleName(k.role)}, {"sha256", k.sha256}};
    std::string text = j.dump(2) + "\n";

    // Password hashes: root only (0600), not the group safefarm, which may
    // read the rest of the configuration; a hash read is a password to crack
    // offline, and the API gives users.json to nobody.
    return files::replaceFile(path, text, files::kSecretMode);
}

Result<void> UserStore::setUser(const std::string& name, Role role, std::string_view password, unsigned iterations) {
    if (!validName(name)) return badInput("user name '" + name + "': letters, digits, '.', '_' and '-' only");
    if (password.size() < 8) return badInput("password of " + name + ": at least 8 characters");
    if (iterations < kMinPbkdf2Iterations) return badInput("too few PBKDF2 iterations");
    auto hash = hashPassword(password, iterations);
    if (!hash) return hash.error();
    users_[name] = UserEntry{role, std::move(hash.value())};
    return success();
}

const UserEntry* UserStore::findUser(const std::string& name) const {
    auto it = users_.find(name);
    return it == users_.end() ? nullptr : &it->second;
}

Result<std::string> UserStore::addApiKey(const std::string& name, Role role) {
    if (!validName(name)) return badInput("API key name '" + name + "': letters, digits, '.', '_' and '-' only");
    auto random = randomHex(32);
    if (!random) return random.error();
    std::string key = "sfk_" + random.value();
    apiKeys_[name] = ApiKeyEntry{role, sha256Hex(key)};
    return key;
}

std::optional<Identity> UserStore::findApiKey(std::string_view key) const {
    if (key.empty()) return std::nullopt;
    std::string hash = sha256Hex(key);
    // Every entry is compared, in constant time, so the answer's timing says
    // nothing about which key came close.
    std::optional<Identity> found;
    for (const auto& [name, entry] : apiKeys_)
        if (constantTimeEqual(hash, entry.sha256)) found = Identity{name, entry.role};
    return found;
}

Result<void> addUserToFile(const std::string& path, const std::string& name, Role role, std::string_view password,
                           unsigned iterations) {
    auto store = UserStore::load(path);
    if (!store) return store.error();
    if (auto r = store->setUser(name, role, password, iterations); !r) return r;
    return store->save(path);
}

}  // namespace safefarm::http
