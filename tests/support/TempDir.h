// A fresh folder for one test, removed with all it holds when the test ends
// (also when an assertion returns early). The one copy the suites share.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace safefarm::test {

class TempDir {
public:
    // /tmp/<prefix>.XXXXXX; ok() is false if it could not be made.
    explicit TempDir(std::string_view prefix = "safefarm-test") {
        std::string tmpl = "/tmp/" + std::string(prefix) + ".XXXXXX";
        if (::mkdtemp(tmpl.data())) path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        if (ok()) std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    bool ok() const { return !path_.empty(); }
    const std::filesystem::path& path() const { return path_; }
    std::string str() const { return path_.string(); }
    // A path inside, as text (path() / ... for a std::filesystem::path).
    std::string operator/(std::string_view name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

}  // namespace safefarm::test
