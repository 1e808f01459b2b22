#include "safed/ConfigFiles.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/FileModes.h"

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

mode_t modeOf(const std::string& name) { return name.starts_with("bin/") ? files::kScriptMode : files::kFileMode; }

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
        std::string tmp = dir + "/.deploy." + name.substr(slash + 1);
        // Written and on disk before it is renamed into place.
        auto w = files::makeFolders(dir);
        if (w) w = files::writeFile(tmp, text, modeOf(name));
        if (!w) {
            ::unlink(tmp.c_str());
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
        std::string kept = moduleDir + "/.previous/" + name;
        auto k = files::makeFolders(fs::path(kept).parent_path().string());
        if (k) {
            fs::copy_file(target, kept, fs::copy_options::overwrite_existing, ec);
            k = ec ? Result<void>(osError(ec.value(), "copying " + target.string()))
                   : files::setMode(kept, modeOf(name));
        }
        if (!k) {
            removeTemps();
            return osError(k.error().code,
                           "keeping the previous " + name + " in " + moduleDir + "/.previous: " + k.error().context);
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
