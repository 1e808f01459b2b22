// The last lines of a log file, read from its end (the module log can be
// tens of MiB; `safectl logs -n 20` must not read all of it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/Result.h"

namespace safefarm::control {

// At most n lines, oldest first, without their newlines. A missing file is
// an error (ENOENT), an empty one gives no lines. *end, when given, is the
// size the file had when read: where following it goes on from.
Result<std::vector<std::string>> lastLines(const std::string& path, std::size_t n, std::uint64_t* end = nullptr);

}  // namespace safefarm::control
