// The status JSON of a module, key for key what safectl, the console and
// /metrics (safed/Metrics.cpp) read:
//   {module, state, activity, reason, self, epoch, view,
//    nodes: [{id, name, state, buckets, share, connections?, packets?}],
//    verdicts: {REASON: packets}, view_changes,
//    refused_peers: [{id, name, address?, reason, why, refused, ms_ago, current}],
//    blocked_by_misconfigured_peers, scripts: {script: {runs, failures}},
//    checkers: [{ident, ok, failures}]}
#pragma once

#include <nlohmann/json.hpp>

#include "module/ModuleSnapshot.h"

namespace safefarm::module {

nlohmann::json statusJson(const ModuleSnapshot& snapshot);

}  // namespace safefarm::module
