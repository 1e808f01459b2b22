#include "common/FileModes.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <vector>

namespace safefarm::files {

namespace {

bool groupMatters(mode_t mode) { return (mode & 070) != 0; }

// A chgrp refused to someone who is not root and not in the group (a test,
// safectl run by hand on its own folder) leaves the writer's group: the
// mode still holds, which is what keeps others out.
bool tolerated(int err) { return err == EPERM && ::geteuid() != 0; }

}  // namespace

std::optional<gid_t> farmGroup() {
    group g{};
    group* found = nullptr;
    std::vector<char> buf(4096);
    int rc;
    while ((rc = ::getgrnam_r(kGroupName, &g, buf.data(), buf.size(), &found)) == ERANGE && buf.size() < (1u << 20))
        buf.resize(buf.size() * 2);
    if (rc != 0 || !found) return std::nullopt;
    return found->gr_gid;
}

Result<void> setMode(int fd, mode_t mode, std::optional<gid_t> group) {
    if (::fchmod(fd, mode) != 0) return osError(errno, "setting mode " + std::to_string(mode));
    if (group && groupMatters(mode) && ::fchown(fd, static_cast<uid_t>(-1), *group) != 0 && !tolerated(errno))
        return osError(errno, "setting group " + std::to_string(*group));
    return success();
}

Result<void> setMode(const std::string& path, mode_t mode, std::optional<gid_t> group) {
    if (::chmod(path.c_str(), mode) != 0) return osError(errno, "setting the mode of " + path);
    if (group && groupMatters(mode) && ::chown(path.c_str(), static_cast<uid_t>(-1), *group) != 0 && !tolerated(errno))
        return osError(errno, "setting the group of " + path);
    return success();
}

Result<void> makeFolders(const std::string& path, mode_t mode, std::optional<gid_t> group) {
    std::filesystem::path sofar;
    for (const auto& part : std::filesystem::path(path)) {
        sofar /= part;
        if (::mkdir(sofar.c_str(), mode) == 0) {
            if (auto r = setMode(sofar.string(), mode, group); !r) return r;
        } else if (errno != EEXIST) {
            return osError(errno, "creating " + sofar.string());
        } else if (!std::filesystem::is_directory(sofar)) {
            return osError(ENOTDIR, "creating " + sofar.string());
        }
    }
    return success();
}

Result<int> createFile(const std::string& path, int flags, mode_t mode, std::optional<gid_t> group) {
    int fd = ::open(path.c_str(), flags | O_CREAT | O_CLOEXEC, mode);
    if (fd < 0) return osError(errno, "creating " + path);
    if (auto r = setMode(fd, mode, group); !r) {
        ::close(fd);
        return osError(r.error().code, r.error().context + " of " + path);
    }
    return fd;
}

Result<void> writeFile(const std::string& path, std::string_view text, mode_t mode, std::optional<gid_t> group) {
    auto fd = createFile(path, O_WRONLY | O_TRUNC, mode, group);
    if (!fd) return fd.error();
    for (std::size_t done = 0; done < text.size();) {
        ssize_t n = ::write(fd.value(), text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            ::close(fd.value());
            return osError(err, "writing " + path);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.value()) != 0) {
        int err = errno;
        ::close(fd.value());
        return osError(err, "writing " + path);
    }
    if (::close(fd.value()) != 0) return osError(errno, "writing " + path);
    return success();
}

Result<void> replaceFile(const std::string& path, std::string_view text, mode_t mode, std::optional<gid_t> group) {
    std::string tmp = path + ".tmp";
    if (auto w = writeFile(tmp, text, mode, group); !w) {
        ::unlink(tmp.c_str());
        return w;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        return osError(err, "renaming " + tmp + " to " + path);
    }
    // The rename itself on disk (best effort: the text is there either way).
    std::string dir = std::filesystem::path(path).parent_path().string();
    int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return success();
}

}  // namespace safefarm::files
