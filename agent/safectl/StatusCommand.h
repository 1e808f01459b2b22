// status [-m MODULE] [--json]: the farm as this node sees it, a table in the
// manner of `ipvsadm -Ln`: each module, then one row per node.
//   {"command": "status", "module": MODULE} ->
//   {"module": "m", "state": "UP", "epoch": 7, "view": "7@1", "activity": "", "reason": "",
//    "nodes": [{"id": 1, "name": "node1", "state": "UP", "buckets": 2731, "share": 33.3,
//               "connections": 12, "packets": 345}, ...]}
//   or {"modules": [that, ...]} for every module.
// A node without connections/packets (only this node counts its own) shows "-".
#pragma once

#include <ostream>
#include <string>

#include "safectl/Client.h"

namespace safefarm::safectl {

int showStatus(const ClientOptions& options, const std::string& module, bool json, std::ostream& out,
               std::ostream& err);

// The table for the reply's arguments.
std::string formatStatus(const nlohmann::json& arguments);

}  // namespace safefarm::safectl
