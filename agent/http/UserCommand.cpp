#include "http/UserCommand.h"

#include <istream>
#include <optional>
#include <ostream>

#include "http/UserStore.h"

namespace safefarm::http {

namespace {

constexpr const char* kUsage =
    "usage: user add NAME ROLE | remove NAME | key NAME ROLE | revoke NAME | list\n"
    "       (ROLE: admin, control or monitor; add reads the password from standard input)\n";

}  // namespace

int userCommand(const std::string& usersFile, const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                std::ostream& err, unsigned iterations) {
    auto usage = [&] {
        err << kUsage;
        return 2;
    };
    if (args.empty()) return usage();
    const std::string& verb = args[0];
    std::size_t want = verb == "add" || verb == "key"         ? 3
                       : verb == "remove" || verb == "revoke" ? 2
                       : verb == "list"                       ? 1
                                                              : 0;
    if (want == 0 || args.size() != want) return usage();
    std::optional<Role> role;
    if (want == 3) {
        role = parseRole(args[2]);
        if (!role) {
            err << "role '" << args[2] << "': admin, control or monitor\n";
            return 2;
        }
    }

    auto store = UserStore::load(usersFile);
    if (!store) {
        err << store.error().message() << "\n";
        return 1;
    }
    auto save = [&] {
        if (auto r = store->save(usersFile); !r) {
            err << r.error().message() << "\n";
            return 1;
        }
        return 0;
    };

    if (verb == "list") {
        for (const auto& [name, u] : store->users()) out << "user " << name << " " << roleName(u.role) << "\n";
        for (const auto& [name, k] : store->apiKeys()) out << "key  " << name << " " << roleName(k.role) << "\n";
        return 0;
    }
    if (verb == "add") {
        std::string password;
        std::getline(in, password);
        if (!password.empty() && password.back() == '\r') password.pop_back();
        if (auto r = store->setUser(args[1], *role, password, iterations); !r) {
            err << r.error().message() << "\n";
            return 1;
        }
        if (int rc = save()) return rc;
        out << "user " << args[1] << " (" << roleName(*role) << ") saved in " << usersFile << "\n";
        return 0;
    }
    if (verb == "key") {
        auto key = store->addApiKey(args[1], *role);
        if (!key) {
            err << key.error().message() << "\n";
            return 1;
        }
        if (int rc = save()) return rc;
        // The only time the key is shown: the file keeps its hash.
        out << key.value() << "\n";
        return 0;
    }
    bool removed = verb == "remove" ? store->removeUser(args[1]) : store->removeApiKey(args[1]);
    if (!removed) {
        err << "no " << (verb == "remove" ? "user" : "API key") << " '" << args[1] << "' in " << usersFile << "\n";
        return 1;
    }
    return save();
}

}  // namespace safefarm::http
