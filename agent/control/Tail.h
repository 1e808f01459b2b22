// The last lines of a log, the one reader: `safectl logs -n [-f]`, the
// console's `logs` (with its grep), the snapshot's logs, ModuleLog::tail.
// Read from the end in blocks, so a 100 MB log costs what its tail costs.
//
// What a line is, the same for every caller:
//  - a line ends at a newline, which is not part of it; "a\n" is one line,
//    "a\n\n" two (the second empty);
//  - the file's last line without a newline (a writer mid-line, or one that
//    died there) is a line too, unless the caller follows the file on
//    (completeLinesOnly): then `end` is where that line starts, and the
//    follower prints it whole once it is;
//  - at most maxBytes are read, every file together: a line cut by that
//    limit is not given (a log of one endless line, or a grep that matches
//    nothing, cannot make a request read gigabytes);
//  - rotated files (`older`, newest first) are read on when the file alone
//    has too few lines; a missing one is skipped. Only the log's owner
//    knows how it rotates (ModuleLog::tail).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/Result.h"

namespace safefarm::control {

// The most lines a request may ask for (the console's `logs`).
inline constexpr std::size_t kMaxLogLines = 10000;
// More than a whole module.log and its first rotation (10 MiB each).
inline constexpr std::uint64_t kMaxTailBytes = 32u << 20;

struct TailOptions {
    std::string grep;                // only the lines that contain it; empty: every line
    std::vector<std::string> older;  // rotated files, newest first
    bool completeLinesOnly = false;  // leave a last line without its newline to a follower
    std::uint64_t maxBytes = kMaxTailBytes;
};

struct Tail {
    std::vector<std::string> lines;  // oldest first, without their newlines
    std::uint64_t end = 0;           // in the file itself: where following it goes on from
};

// At most n lines. A missing file is an error (ENOENT: the caller decides
// what no log means), an empty one has no lines.
Result<Tail> lastLines(const std::string& path, std::size_t n, const TailOptions& options = {});

}  // namespace safefarm::control
