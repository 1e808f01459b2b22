// A .zip in memory (libzip), for the console's snapshot download.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/Result.h"

namespace safefarm::http {

// "safefarm-snapshot-20261129-031500" (UTC): a snapshot's top folder, and
// its file's name with ".zip".
std::string snapshotName(std::chrono::system_clock::time_point when);

// (path inside the archive, content) in order; deflated.
Result<std::string> makeZip(const std::vector<std::pair<std::string, std::string>>& files);
// The files of a .zip, in order (the tests read back what makeZip wrote).
Result<std::vector<std::pair<std::string, std::string>>> readZip(const std::string& bytes);

}  // namespace safefarm::http
