// A module shipped as NAME.safe: a zip of conf/ and bin/ (SafeKit's format).
// Read with zlib only (stored and deflated entries, which is what SafeKit,
// `zip` and our build write), refusing anything that could escape the
// target folder: absolute paths, "..", links, other compression methods.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/Result.h"

namespace safefarm::module {

// What one archive may hold once unpacked. Issue 13: a 66 KB zip whose
// central directory named one deflated 64 MiB entry again and again
// expanded to gigabytes; issue 14: with every entry held in memory the
// bounds below still let one install reach hundreds of MB. A module is
// scripts and a configuration: ours unpack to 2–5 KB at 2.2:1 at most.
struct ArchiveLimits {
    uint64_t entryBytes = 64u << 20;   // one file
    uint64_t totalBytes = 256u << 20;  // every file together
    size_t entries = 10000;
    // Uncompressed/compressed, for each entry and for the whole archive
    // (its size on disk); ours are at 2.2:1, text rarely passes 20:1.
    uint32_t ratio = 100;
    // What an entry, or the archive, may unpack to whatever its ratio: a
    // small file of blanks compresses far past 100:1 and harms no one.
    uint64_t ratioFloor = 1u << 20;
};

// Unpacks `bytes` into `dir`, which must not exist: it is created 0700 and
// every file is written there as it inflates, 64 KiB at a time, never whole
// in memory. The sizes the archive declares are checked against `limits`
// before any byte is written, and the bytes themselves while they inflate:
// an entry stops at the first byte past its declared size or a limit.
// bin/ files (and entries with an executable Unix mode) are made 0755,
// others 0644. On an error `dir` is removed and the message names the
// entry and the limit.
Result<void> unpackSafeArchive(std::string_view bytes, const std::string& dir, const ArchiveLimits& limits = {});

}  // namespace safefarm::module
