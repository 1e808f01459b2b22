// Where the cluster key is: one place for its name and its default, used
// by the defaults table (<farm keyfile>), safed (the modules' key and the
// one that signs calls between the nodes' APIs) and `safectl cluster genkey`.
#pragma once

#include <string>
#include <string_view>

namespace safefarm::config {

inline constexpr std::string_view kClusterKeyName = "cluster.key";
// <farm keyfile>'s default (Vocabulary.cpp): the key in the default config folder.
inline constexpr std::string_view kDefaultClusterKeyPath = "/etc/safefarm/cluster.key";

// The node's cluster key: <configDir>/cluster.key.
inline std::string clusterKeyPath(std::string_view configDir) {
    return std::string(configDir) + "/" + std::string(kClusterKeyName);
}

// A module's key file: its <farm keyfile>, except that the default one is
// the node's, in safed's --config-dir (a test's or a second instance's).
inline std::string moduleKeyPath(std::string_view keyfile, std::string_view configDir) {
    return keyfile == kDefaultClusterKeyPath ? clusterKeyPath(configDir) : std::string(keyfile);
}

}  // namespace safefarm::config
