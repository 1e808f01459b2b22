#include "module/SafeArchive.h"

#include <sys/stat.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>

#include "common/FileModes.h"

namespace safefarm::module {

namespace fs = std::filesystem;

namespace {

uint32_t le16(const std::string& b, size_t at) {
    return static_cast<uint8_t>(b[at]) | static_cast<uint8_t>(b[at + 1]) << 8;
}
uint32_t le32(const std::string& b, size_t at) { return le16(b, at) | le16(b, at + 2) << 16; }

bool safePath(const std::string& p) {
    if (p.empty() || p[0] == '/' || p.find('\\') != std::string::npos) return false;
    for (const auto& part : fs::path(p))
        if (part == "..") return false;
    return true;
}

Result<std::string> inflateRaw(const std::string& in, size_t size) {
    std::string out(size, '\0');
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return badInput("zlib: inflateInit2 failed");
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    int rc = inflate(&z, Z_FINISH);
    size_t produced = z.total_out;
    inflateEnd(&z);
    if (rc != Z_STREAM_END || produced != size) return badInput("a deflated entry is corrupt");
    return out;
}

}  // namespace

// The central directory (at the end) lists every entry with its sizes and
// mode; the local headers hold the data. ZIP64 is not needed for a module.
Result<std::vector<ArchiveEntry>> readSafeArchive(const std::string& b, const ArchiveLimits& limits) {
    constexpr size_t kEocd = 22;
    if (b.size() < kEocd) return badInput("not a zip archive (too short)");
    size_t eocd = std::string::npos;
    for (size_t i = b.size() - kEocd + 1; i-- > 0 && b.size() - i <= kEocd + 65535;)
        if (le32(b, i) == 0x06054b50) {
            eocd = i;
            break;
        }
    if (eocd == std::string::npos) return badInput("not a zip archive (no end of central directory)");
    uint32_t count = le16(b, eocd + 10), cdSize = le32(b, eocd + 12), cdOff = le32(b, eocd + 16);
    if (uint64_t{cdOff} + cdSize > eocd) return badInput("zip archive: central directory out of bounds");
    if (count > limits.entries)
        return badInput("zip archive: " + std::to_string(count) + " entries, more than " +
                        std::to_string(limits.entries));
    std::vector<ArchiveEntry> out;
    uint64_t total = 0;
    size_t at = cdOff;
    for (uint32_t n = 0; n < count; n++) {
        if (at + 46 > eocd || le32(b, at) != 0x02014b50) return badInput("zip archive: bad central directory entry");
        uint32_t madeBy = le16(b, at + 4) >> 8, method = le16(b, at + 10), csize = le32(b, at + 20),
                 usize = le32(b, at + 24), nameLen = le16(b, at + 28), extraLen = le16(b, at + 30),
                 commentLen = le16(b, at + 32), external = le32(b, at + 38), local = le32(b, at + 42);
        if (at + 46 + nameLen > eocd) return badInput("zip archive: entry name out of bounds");
        ArchiveEntry e;
        e.path = b.substr(at + 46, nameLen);
        at += 46 + nameLen + extraLen + commentLen;
        if (!safePath(e.path)) return badInput("zip archive: unsafe entry path '" + e.path + "'");
        uint32_t mode = madeBy == 3 ? external >> 16 : 0;  // 3: Unix
        if (S_ISLNK(mode)) return badInput("zip archive: '" + e.path + "' is a symbolic link");
        e.executable = (mode & 0111) != 0;
        if (uint64_t{local} + 30 > b.size() || le32(b, local) != 0x04034b50)
            return badInput("zip archive: bad local header for '" + e.path + "'");
        size_t data = local + 30 + le16(b, local + 26) + le16(b, local + 28);
        if (uint64_t{data} + csize > b.size()) return badInput("zip archive: data of '" + e.path + "' out of bounds");
        if (usize > limits.entryBytes)
            return badInput("zip archive: '" + e.path + "' is larger than " + std::to_string(limits.entryBytes >> 20) +
                            " MiB");
        total += usize;
        if (total > limits.totalBytes)  // checked before inflating: nothing large is ever allocated
            return badInput("zip archive: more than " + std::to_string(limits.totalBytes >> 20) +
                            " MiB once unpacked (at '" + e.path + "')");
        std::string raw = b.substr(data, csize);
        if (method == 0) {
            if (csize != usize) return badInput("zip archive: stored entry '" + e.path + "' has two sizes");
            e.data = std::move(raw);
        } else if (method == 8) {
            auto inflated = inflateRaw(raw, usize);
            if (!inflated) return badInput("zip archive: '" + e.path + "': " + inflated.error().message());
            e.data = std::move(inflated.value());
        } else {
            return badInput("zip archive: '" + e.path + "' uses compression method " + std::to_string(method) +
                            " (stored and deflate only)");
        }
        out.push_back(std::move(e));
    }
    return out;
}

// Folders 0750, files 0640, scripts (bin/, or marked executable) 0750, all
// root:safefarm, whatever the umask and the archive's own modes.
Result<void> extractSafeArchive(const std::vector<ArchiveEntry>& entries, const std::string& dir) {
    if (auto made = files::makeFolders(dir); !made) return made;
    for (const auto& e : entries) {
        fs::path p = fs::path(dir) / e.path;
        if (!e.path.empty() && e.path.back() == '/') {
            if (auto made = files::makeFolders(p.string()); !made) return made;
            continue;
        }
        if (auto made = files::makeFolders(p.parent_path().string()); !made) return made;
        bool exec = e.executable || e.path.rfind("bin/", 0) == 0;
        if (auto w = files::writeFile(p.string(), e.data, exec ? files::kScriptMode : files::kFileMode); !w) return w;
    }
    return success();
}

}  // namespace safefarm::module
