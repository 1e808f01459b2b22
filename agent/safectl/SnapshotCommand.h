// snapshot [-m MODULE] [-o FILE]: what support asks for from this node, as
// a .zip: the module's status and counters, the newest lines of its logs,
// its configuration (safed's `snapshot` command gives the files). The
// console's download has every node's; this one works without the API.
#pragma once

#include <ostream>
#include <string>

#include "safectl/Client.h"

namespace safefarm::safectl {

struct SnapshotOptions {
    std::string module;
    std::string output;  // default: ./safefarm-snapshot-<stamp>-<node>.zip
};

int takeSnapshot(const ClientOptions& options, const SnapshotOptions& snapshot, std::ostream& out, std::ostream& err);

}  // namespace safefarm::safectl
