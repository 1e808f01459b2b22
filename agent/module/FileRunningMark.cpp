#include "module/FileRunningMark.h"

#include "common/FileModes.h"

#include <cstdio>
#include <fstream>

namespace safefarm::module {

bool FileRunningMark::present() const { return std::ifstream(path_).good(); }

std::string FileRunningMark::arpAnnounce() const {
    std::ifstream in(path_);
    std::string old;
    std::getline(in, old);
    return old.empty() ? std::string("0") : old;
}

void FileRunningMark::set(const std::string& arpAnnounce) {
    // 0640 root:safefarm, whole or not at all (a crash while writing it
    // must not leave an empty mark the next safed misreads).
    (void)files::replaceFile(path_, arpAnnounce + "\n", files::kFileMode);
}

void FileRunningMark::clear() { std::remove(path_.c_str()); }

}  // namespace safefarm::module
