#include "safed/ConfigFiles.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace safefarm::safed {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxDeployFiles = 64;
constexpr std::size_t kMaxDeployBytes = 1u << 20;

bool validFileName(const std::string& name) {
    if (name.empty() || name.size() > 128 || name[0] == '.') return false;
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
    return true;
}

// Written and on disk before it is renamed into place.
Result<void> writeDurably(const std::string& path, const std::string& text, mode_t mode) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return osError(errno, "creating " + path);
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int e = errno;
            ::close(fd);
            return osError(e, "writing " + path);
        }
        done += static_cast<std::size_t>(n);
    }
    // open's mode is masked by the umask: say it again.
    if (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0) {
        int e = errno;
        ::close(fd);
        return osError(e, "syncing " + path);
    }
    ::close(fd);
    return success();
}

}  // namespace

std::map<std::string, std::string> readModuleFiles(const std::string& moduleDir, std::size_t maxBytes) {
    std::map<std::string, std::string> files;
    for (const char* sub : {"conf", "bin"}) {
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(moduleDir + "/" + sub, ec)) {
            std::error_code sizeEc;
            if (!e.is_regular_file(sizeEc) || e.file_size(sizeEc) > maxBytes || sizeEc) continue;
            std::ifstream in(e.path(), std::ios::binary);
            std::stringstream text;
            text << in.rdbuf();
            files[std::string(sub) + "/" + e.path().filename().string()] = text.str();
        }
    }
    return files;
}

Result<void> checkDeployFiles(const std::map<std::string, std::string>& files) {
    if (files.empty()) return badInput("no files to deploy");
    if (files.size() > kMaxDeployFiles) return badInput("more than " + std::to_string(kMaxDeployFiles) + " files");
    for (const auto& [name, text] : files) {
        auto slash = name.find('/');
        std::string sub = name.substr(0, slash), file = slash == std::string::npos ? "" : name.substr(slash + 1);
        if ((sub != "conf" && sub != "bin") || !validFileName(file))
            return badInput("'" + name + "': only conf/NAME and bin/NAME can be deployed");
        if (text.size() > kMaxDeployBytes) return badInput("'" + name + "' is larger than 1 MiB");
        if (sub == "bin" && !text.starts_with("#!"))
            return badInput("'" + name + "' does not start with #!: the module could not run it");
    }
    return success();
}

Result<std::vector<std::string>> writeModuleFiles(const std::string& moduleDir,
                                                  const std::map<std::string, std::string>& files) {
    if (auto c = checkDeployFiles(files); !c) return c.error();
    std::vector<std::string> temps, written;
    auto removeTemps = [&] {
        for (const auto& t : temps) ::unlink(t.c_str());
    };
    // Every file beside its place first: a full disk fails here, with
    // nothing changed.
    for (const auto& [name, text] : files) {
        auto slash = name.find('/');  // checked: conf/NAME or bin/NAME
        std::string dir = moduleDir + "/" + name.substr(0, slash);
        std::error_code ec;
        fs::create_directories(dir, ec);
        std::string tmp = dir + "/.deploy." + name.substr(slash + 1);
        auto w = writeDurably(tmp, text, name.starts_with("bin/") ? 0755 : 0644);
        if (!w) {
            removeTemps();
            return w.error();
        }
        temps.push_back(tmp);
    }
    // What they replace is kept, one deploy back.
    std::error_code ec;
    fs::remove_all(moduleDir + "/.previous", ec);
    for (const auto& [name, text] : files) {
        fs::path target = moduleDir + "/" + name;
        if (!fs::exists(target, ec)) continue;
        fs::create_directories(fs::path(moduleDir) / ".previous" / target.parent_path().filename(), ec);
        fs::copy_file(target, fs::path(moduleDir) / ".previous" / name, fs::copy_options::overwrite_existing, ec);
        if (ec) {
            removeTemps();
            return osError(ec.value(), "keeping the previous " + name + " in " + moduleDir + "/.previous");
        }
    }
    std::size_t i = 0;
    for (const auto& [name, text] : files) {
        std::string target = moduleDir + "/" + name;
        if (::rename(temps[i].c_str(), target.c_str()) != 0) {
            int e = errno;
            // The ones renamed already are deployed; say which.
            for (std::size_t j = i; j < temps.size(); ++j) ::unlink(temps[j].c_str());
            std::string done;
            for (const auto& w : written) done += " " + w;
            return osError(e, "renaming into " + target + (done.empty() ? "" : " (already written:" + done + ")"));
        }
        written.push_back(name);
        ++i;
    }
    return written;
}

}  // namespace safefarm::safed
