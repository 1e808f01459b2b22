#include "safectl/ClusterCommand.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "safectl/Client.h"

namespace safefarm::safectl {

namespace {

std::string why(int e) { return std::strerror(e); }

bool fillRandom(std::vector<unsigned char>& buf) {
    size_t done = 0;
    while (done < buf.size()) {
        ssize_t n = ::getrandom(buf.data() + done, buf.size() - done, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        done += static_cast<size_t>(n);
    }
    return true;
}

}  // namespace

int generateClusterKey(const std::string& path, bool force, std::ostream& out, std::ostream& err) {
    namespace fs = std::filesystem;
    if (path.empty()) {
        err << "safectl: cluster genkey: empty path\n";
        return kExitError;
    }
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            err << "safectl: " << path << " is a folder\n";
            return kExitError;
        }
        if (!force) {
            err << "safectl: " << path << " exists: the cluster's nodes share that key; "
                << "--force to replace it (then copy the new one to every node)\n";
            return kExitError;
        }
    }
    const fs::path parent = fs::path(path).parent_path();
    const std::string dir = parent.empty() ? std::string(".") : parent.string();

    std::vector<unsigned char> key(kClusterKeyBytes);
    if (!fillRandom(key)) {
        err << "safectl: reading random bytes: " << why(errno) << "\n";
        return kExitError;
    }
    std::string tmp = dir + "/.cluster-key.XXXXXX";
    // mkstemp creates the file 0600 whatever the umask.
    int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
    if (fd < 0) {
        err << "safectl: creating a temporary file in " << dir << ": " << why(errno) << "\n";
        return kExitError;
    }
    bool ok = ::fchmod(fd, 0600) == 0 && ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) &&
              ::fsync(fd) == 0;
    int e = errno;
    std::fill(key.begin(), key.end(), 0);
    ::close(fd);
    if (!ok) {
        ::unlink(tmp.c_str());
        err << "safectl: writing " << tmp << ": " << why(e) << "\n";
        return kExitError;
    }
    // Without --force, link(2) fails if a key appeared since the check above:
    // an existing key is never replaced by accident.
    int rc = force ? ::rename(tmp.c_str(), path.c_str()) : ::link(tmp.c_str(), path.c_str());
    e = errno;
    if (!force || rc != 0) ::unlink(tmp.c_str());
    if (rc != 0) {
        if (e == EEXIST)
            err << "safectl: " << path << " exists: --force to replace it\n";
        else
            err << "safectl: writing " << path << ": " << why(e) << "\n";
        return kExitError;
    }
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    out << "safectl: new cluster key in " << path << " (" << kClusterKeyBytes
        << " bytes, mode 600); copy it to every node of the cluster\n";
    return kExitOk;
}

}  // namespace safefarm::safectl
