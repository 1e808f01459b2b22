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

Result<std::vector<ArchiveEntry>> readSafeArchive(const std::string& bytes);
// Writes the entries under `dir` (created); bin/ files are made executable.
Result<void> extractSafeArchive(const std::vector<ArchiveEntry>& entries, const std::string& dir);

}  // namespace safefarm::module
