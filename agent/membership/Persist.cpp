#include "membership/Persist.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "common/FileModes.h"

namespace safefarm::membership {

Result<std::vector<uint8_t>> loadClusterKey(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return osError(errno, "opening cluster key " + path);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int e = errno;
        ::close(fd);
        return osError(e, "stat of cluster key " + path);
    }
    if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
        ::close(fd);
        return badInput("cluster key " + path + " must be a regular file readable by its owner only (chmod 600)");
    }
    std::vector<uint8_t> key(2048);
    ssize_t n = ::read(fd, key.data(), key.size());
    int e = errno;
    ::close(fd);
    if (n < 0) return osError(e, "reading cluster key " + path);
    if (n < 16 || n > 1024)
        return badInput("cluster key " + path + ": " + std::to_string(n) + " bytes, 16 to 1024 needed");
    key.resize(static_cast<size_t>(n));
    return key;
}

Result<uint32_t> bumpIncarnation(const std::string& path) {
    uint32_t current = 0;
    if (FILE* f = std::fopen(path.c_str(), "re")) {
        char buf[32] = {};
        size_t n = std::fread(buf, 1, sizeof buf - 1, f);
        std::fclose(f);
        char* end = nullptr;
        unsigned long v = std::strtoul(buf, &end, 10);
        if (n == 0 || end == buf || v >= 0xffffffffUL) return badInput("incarnation file " + path + " is corrupt");
        current = static_cast<uint32_t>(v);
    } else if (errno != ENOENT) {
        return osError(errno, "reading incarnation file " + path);
    }
    uint32_t next = current + 1;
    // Not a secret (peers see it in every heartbeat): 0640 like the rest of
    // the state, never half written.
    if (auto w = files::replaceFile(path, std::to_string(next) + "\n", files::kFileMode); !w) return w.error();
    return next;
}

}  // namespace safefarm::membership
