// A module shipped as NAME.safe: a zip of conf/ and bin/ (SafeKit's format).
// Read with zlib only (stored and deflated entries, which is what SafeKit,
// `zip` and our build write), refusing anything that could escape the
// target folder: absolute paths, "..", links, other compression methods.
#pragma once

#include <string>
#include <vector>

#include "common/Result.h"

namespace safefarm::module {

struct ArchiveEntry {
    std::string path;  // relative, '/'-separated; a folder ends with '/'
    std::string data;
    bool executable = false;  // from the entry's Unix mode, when it has one
};

// What one archive may hold once unpacked: a 66 KB zip whose central
// directory named one deflated 64 MiB entry again and again expanded to
// gigabytes (issue 13). A module is scripts and a configuration.
struct ArchiveLimits {
    uint64_t entryBytes = 64u << 20;   // one file
    uint64_t totalBytes = 256u << 20;  // every file together
    size_t entries = 10000;
};

Result<std::vector<ArchiveEntry>> readSafeArchive(const std::string& bytes, const ArchiveLimits& limits = {});
// Writes the entries under `dir` (created); bin/ files are made executable.
Result<void> extractSafeArchive(const std::vector<ArchiveEntry>& entries, const std::string& dir);

}  // namespace safefarm::module
