// The most permissive umask (000) for one test: a file safefarm writes must
// get its mode from the code that creates it, not from the umask it
// happens to run under (issue 14). modeOf reads back what it got.
#pragma once

#include <sys/stat.h>

#include <cstdio>
#include <string>

namespace safefarm::test {

class ScopedUmask {
public:
    explicit ScopedUmask(mode_t mask = 0) : old_(::umask(mask)) {}
    ~ScopedUmask() { ::umask(old_); }
    ScopedUmask(const ScopedUmask&) = delete;
    ScopedUmask& operator=(const ScopedUmask&) = delete;

private:
    mode_t old_;
};

// The permission bits of path (not following a link) in octal, as ls and
// chmod say them ("640"), or "missing".
inline std::string modeOf(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return "missing";
    char text[8];
    std::snprintf(text, sizeof text, "%o", static_cast<unsigned>(st.st_mode & 07777));
    return text;
}

}  // namespace safefarm::test
