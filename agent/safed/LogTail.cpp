#include "safed/LogTail.h"

#include <cerrno>
#include <fstream>
#include <algorithm>

namespace safefarm::safed {

Result<std::vector<std::string>> lastLines(const std::string& path, size_t count, const std::string& grep) {
    std::vector<std::string> out;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (errno == ENOENT) return out;
        return osError(errno, "opening " + path);
    }
    in.seekg(0, std::ios::end);
    std::streamoff pos = in.tellg();
    std::string partial;  // the start of a line whose beginning is in an earlier block
    constexpr std::streamoff kBlock = 64 * 1024;
    bool last = true;     // the file's last line: without a newline it still counts
    while (out.size() < count && pos > 0) {
        std::streamoff n = std::min(kBlock, pos);
        pos -= n;
        std::string block(static_cast<size_t>(n), '\0');
        in.seekg(pos);
        if (!in.read(block.data(), n)) return osError(errno ? errno : EIO, "reading " + path);
        block += partial;
        // Lines are complete from the first newline on (or from the start of the file).
        size_t end = block.size();
        while (out.size() < count) {
            size_t nl = end == 0 ? std::string::npos : block.rfind('\n', end - 1);
            if (nl == std::string::npos) break;
            std::string line = block.substr(nl + 1, end - nl - 1);
            if (!(last && line.empty()) && (grep.empty() || line.find(grep) != std::string::npos)) out.push_back(line);
            last = false;
            end = nl;
        }
        partial = block.substr(0, end);
    }
    if (pos == 0 && out.size() < count && !partial.empty() && (grep.empty() || partial.find(grep) != std::string::npos))
        out.push_back(partial);
    std::reverse(out.begin(), out.end());
    return out;
}

}  // namespace safefarm::safed
