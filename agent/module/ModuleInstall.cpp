#include "module/ModuleInstall.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "common/FileModes.h"
#include "common/UniqueFd.h"

namespace safefarm::module {

namespace fs = std::filesystem;

namespace {

// The whole file, refused past `max` bytes even if it grows while read.
Result<std::string> readBounded(const std::string& file, uint64_t max) {
    UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return osError(errno, "cannot read " + file);
    struct stat st {};
    if (fstat(fd.get(), &st) != 0) return osError(errno, "cannot read " + file);
    if (!S_ISREG(st.st_mode)) return badInput(file + ": not a regular file");
    auto tooLarge = [&](uint64_t size) {
        return badInput(file + ": " + std::to_string(size) + " bytes, more than " + std::to_string(max >> 20) +
                        " MiB (the limit on a .safe file)");
    };
    if (static_cast<uint64_t>(st.st_size) > max) return tooLarge(st.st_size);
    std::string bytes(static_cast<size_t>(st.st_size) + 1, '\0');  // one more: did it grow?
    size_t got = 0;
    for (;;) {
        if (got == bytes.size()) {
            if (bytes.size() > max) return tooLarge(bytes.size());
            bytes.resize(std::min<uint64_t>(bytes.size() * 2, max + 1));
        }
        ssize_t n = ::read(fd.get(), bytes.data() + got, bytes.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return osError(errno, "cannot read " + file);
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    bytes.resize(got);
    return bytes;
}

}  // namespace

Result<void> stageModule(const std::string& file, const std::string& staging,
                         const std::function<Result<void>(const std::string&)>& check, const ArchiveLimits& limits) {
    auto bytes = readBounded(file, kMaxArchiveBytes);
    if (!bytes) return bytes.error();
    std::error_code ec;
    fs::create_directories(fs::path(staging).parent_path(), ec);
    if (ec) return osError(ec.value(), "creating " + fs::path(staging).parent_path().string());
    if (auto r = unpackSafeArchive(bytes.value(), staging, limits); !r)
        return r.error().code ? r.error() : badInput(file + ": " + r.error().message());
    Result<void> checked = check(staging);
    if (checked) checked = files::setMode(staging, files::kFolderMode);  // root:safefarm 0750 (common/FileModes.h)
    if (!checked) fs::remove_all(staging, ec);
    return checked;
}

Result<void> replaceModule(const std::string& staging, const std::string& target) {
    fs::path t(target);
    fs::path old = t.parent_path() / ("." + t.filename().string() + ".old");
    std::error_code ec;
    fs::remove_all(old, ec);  // a crash's leftover
    bool had = fs::exists(t, ec);
    if (had) fs::rename(t, old, ec);
    if (!ec) {
        fs::rename(staging, t, ec);
        if (ec && had) {
            std::error_code back;
            fs::rename(old, t, back);
        }
    }
    if (ec) {
        Error e = osError(ec.value(), "putting " + staging + " in place of " + target);
        fs::remove_all(staging, ec);
        return e;
    }
    fs::remove_all(old, ec);
    return success();
}

}  // namespace safefarm::module
