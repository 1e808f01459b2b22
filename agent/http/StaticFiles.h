// The console's files, served from one folder (web/): everything local, no
// CDN. A URL path maps to a regular file under the root or to nothing:
// "..", NUL and backslashes are refused before the file system is asked,
// and a symbolic link leading out of the root is refused after it.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/Result.h"

namespace safefarm::http {

struct StaticFile {
    std::string contentType;
    std::string body;
};

enum class StaticStatus { Found, NotFound, Refused };

struct StaticLookup {
    StaticStatus status = StaticStatus::NotFound;
    StaticFile file;
    std::string reason;  // for Refused, said to the client
};

class StaticFiles {
public:
    // An empty or missing root serves nothing (every lookup is NotFound).
    explicit StaticFiles(const std::string& root, std::size_t maxFileBytes = 32u << 20);

    // `path` is the URL path, still percent-encoded, without the query.
    StaticLookup lookup(std::string_view path) const;

    static std::string contentTypeFor(const std::filesystem::path& file);

private:
    std::filesystem::path root_;  // canonical, or empty
    std::size_t maxFileBytes_;
};

// "%2e%2E" -> "..": false for a bad escape or an encoded NUL.
bool percentDecode(std::string_view in, std::string& out);

}  // namespace safefarm::http
