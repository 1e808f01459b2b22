// The last lines of a log file, for the console (`logs` with args.lines):
// read from the end in blocks, so a 100 MB log costs what its tail costs.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/Result.h"

namespace safefarm::safed {

inline constexpr size_t kMaxLogLines = 10000;

// The last `count` lines of `path` that contain `grep` (all when empty), in
// file order. A missing file has no lines (a module never started).
Result<std::vector<std::string>> lastLines(const std::string& path, size_t count, const std::string& grep = "");

}  // namespace safefarm::safed
