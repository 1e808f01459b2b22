#include "control/Tail.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

namespace safefarm::control {

Result<std::vector<std::string>> lastLines(const std::string& path, std::size_t n, std::uint64_t* end) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return osError(errno, "opening " + path);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int err = errno;
        ::close(fd);
        return osError(err, "reading " + path);
    }
    if (end) *end = static_cast<std::uint64_t>(st.st_size);

    // Read backwards in blocks until n+1 newlines are in hand (the last
    // byte's newline ends the last line, it does not start one).
    constexpr off_t kBlock = 64 * 1024;
    std::string tail;
    off_t pos = st.st_size;
    while (pos > 0 && static_cast<std::size_t>(std::count(tail.begin(), tail.end(), '\n')) <= n) {
        off_t len = std::min(kBlock, pos);
        pos -= len;
        std::string block(static_cast<std::size_t>(len), '\0');
        ssize_t got = ::pread(fd, block.data(), block.size(), pos);
        if (got < 0) {
            int err = errno;
            ::close(fd);
            return osError(err, "reading " + path);
        }
        block.resize(static_cast<std::size_t>(got));
        tail.insert(0, block);
    }
    ::close(fd);

    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < tail.size()) {
        auto eol = tail.find('\n', start);
        if (eol == std::string::npos) eol = tail.size();
        lines.emplace_back(tail, start, eol - start);
        start = eol + 1;
    }
    // The first line may be cut where the reading stopped; drop what is too many.
    if (lines.size() > n) lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(n));
    return lines;
}

}  // namespace safefarm::control
