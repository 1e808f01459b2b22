// A module's configuration as files: conf/ (userconfig.xml and what it
// names) and bin/ (start_both, stop_both, the checkers' scripts). The
// console shows them, and deploys edited ones to every node (PeerRelay
// checks them everywhere first). A deploy is all or nothing on a node:
// every file is written beside its place before any takes it, and what it
// replaces is kept in <module>/.previous/.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/Result.h"

namespace safefarm::safed {

// "conf/userconfig.xml" -> its text. Files over maxBytes are left out.
std::map<std::string, std::string> readModuleFiles(const std::string& moduleDir, std::size_t maxBytes);

// Why these files cannot be deployed, or nothing: each name is conf/NAME or
// bin/NAME (no folders, no hidden files), each bin/ file a script (#!).
Result<void> checkDeployFiles(const std::map<std::string, std::string>& files);

// Writes the files (checked first); bin/ files executable. Returns the
// names written. On an error nothing has changed.
Result<std::vector<std::string>> writeModuleFiles(const std::string& moduleDir,
                                                  const std::map<std::string, std::string>& files);

}  // namespace safefarm::safed
