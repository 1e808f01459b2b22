#include "module/SafeArchive.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <vector>

#include "common/FileModes.h"
#include "common/UniqueFd.h"

namespace safefarm::module {

namespace fs = std::filesystem;

namespace {

constexpr size_t kChunk = 64u << 10;  // what an entry holds in memory at once

uint32_t le16(std::string_view b, size_t at) {
    return static_cast<uint8_t>(b[at]) | static_cast<uint8_t>(b[at + 1]) << 8;
}
uint32_t le32(std::string_view b, size_t at) { return le16(b, at) | le16(b, at + 2) << 16; }

bool safePath(const std::string& p) {
    if (p.empty() || p[0] == '/' || p.find_first_of(std::string("\\\0", 2)) != std::string::npos) return false;
    for (const auto& part : fs::path(p))
        if (part == "..") return false;
    return true;
}

std::string sizeText(uint64_t n) {
    return n % (1u << 20) == 0 ? std::to_string(n >> 20) + " MiB" : std::to_string(n) + " bytes";
}

// One entry as the central directory describes it; its data stays in the archive.
struct Entry {
    std::string path;  // relative, '/'-separated; a folder ends with '/'
    uint32_t method = 0, csize = 0, usize = 0;
    size_t data = 0;  // offset of the compressed bytes
    bool executable = false;
    bool folder() const { return path.back() == '/'; }
};

// The most an entry may inflate to, and which limit that is.
struct Budget {
    uint64_t bytes = UINT64_MAX;
    std::string why;
    void atMost(uint64_t b, const std::string& reason) {
        if (b < bytes) bytes = b, why = reason;
    }
};

// Every limit for `e`, after `before` bytes of the entries before it; the
// sizes `e` declares are checked against the same budget before inflating.
Budget budgetOf(const Entry& e, uint64_t before, uint64_t archiveBytes, const ArchiveLimits& l) {
    auto room = [](uint64_t cap, uint64_t used) { return cap > used ? cap - used : 0; };
    uint64_t entryRatio = std::max(uint64_t{l.ratio} * e.csize, l.ratioFloor);
    uint64_t archiveRatio = std::max(uint64_t{l.ratio} * archiveBytes, l.ratioFloor);
    Budget b;
    b.atMost(l.entryBytes, "'" + e.path + "' is larger than " + sizeText(l.entryBytes) + " (the limit for one entry)");
    b.atMost(room(l.totalBytes, before), "more than " + sizeText(l.totalBytes) + " once unpacked (at '" + e.path +
                                             "'; the limit for the whole archive)");
    b.atMost(entryRatio, "'" + e.path + "' inflates more than " + std::to_string(l.ratio) + ":1 (past " +
                             sizeText(entryRatio) + " from " + std::to_string(e.csize) +
                             " bytes; the ratio limit for one entry)");
    b.atMost(room(archiveRatio, before), "the archive inflates more than " + std::to_string(l.ratio) + ":1 (past " +
                                             sizeText(archiveRatio) + " from " + std::to_string(archiveBytes) +
                                             " bytes, at '" + e.path + "'; the ratio limit for the whole archive)");
    return b;
}

// The central directory (at the end) lists every entry with its sizes and
// mode; the local headers say where the data starts. ZIP64 is not needed
// for a module. Everything but the data is checked here.
Result<std::vector<Entry>> readDirectory(std::string_view b, const ArchiveLimits& limits) {
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
                        std::to_string(limits.entries) + " (the limit on entries)");
    std::vector<Entry> out;
    uint64_t declared = 0;
    size_t at = cdOff;
    for (uint32_t n = 0; n < count; n++) {
        if (at + 46 > eocd || le32(b, at) != 0x02014b50) return badInput("zip archive: bad central directory entry");
        uint32_t madeBy = le16(b, at + 4) >> 8, nameLen = le16(b, at + 28), extraLen = le16(b, at + 30),
                 commentLen = le16(b, at + 32), external = le32(b, at + 38), local = le32(b, at + 42);
        if (at + 46 + nameLen > eocd) return badInput("zip archive: entry name out of bounds");
        Entry e;
        e.method = le16(b, at + 10), e.csize = le32(b, at + 20), e.usize = le32(b, at + 24);
        e.path = std::string(b.substr(at + 46, nameLen));
        at += 46 + nameLen + extraLen + commentLen;
        if (!safePath(e.path)) return badInput("zip archive: unsafe entry path '" + e.path + "'");
        uint32_t mode = madeBy == 3 ? external >> 16 : 0;  // 3: Unix
        if (S_ISLNK(mode)) return badInput("zip archive: '" + e.path + "' is a symbolic link");
        e.executable = (mode & 0111) != 0;
        if (uint64_t{local} + 30 > b.size() || le32(b, local) != 0x04034b50)
            return badInput("zip archive: bad local header for '" + e.path + "'");
        e.data = local + 30 + le16(b, local + 26) + le16(b, local + 28);
        if (uint64_t{e.data} + e.csize > b.size())
            return badInput("zip archive: data of '" + e.path + "' out of bounds");
        if (e.method == 0 && e.csize != e.usize)
            return badInput("zip archive: stored entry '" + e.path + "' has two sizes");
        if (e.method != 0 && e.method != 8)
            return badInput("zip archive: '" + e.path + "' uses compression method " + std::to_string(e.method) +
                            " (stored and deflate only)");
        // Refused on what it declares, before anything is inflated.
        if (auto budget = budgetOf(e, declared, b.size(), limits); e.usize > budget.bytes)
            return badInput("zip archive: " + budget.why + ", as it declares " + std::to_string(e.usize) + " bytes");
        declared += e.usize;
        out.push_back(std::move(e));
    }
    return out;
}

Result<void> writeAll(int fd, const unsigned char* p, size_t n, const fs::path& file) {
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return osError(errno, "writing " + file.string());
        p += w, n -= static_cast<size_t>(w);
    }
    return success();
}

// Streams one entry's data into `fd`, `chunk` bytes at a time, and stops at
// the first byte past `budget` (before writing it). Returns the bytes written.
Result<uint64_t> copyEntry(const Entry& e, std::string_view archive, const Budget& budget, int fd, const fs::path& file,
                           unsigned char* chunk) {
    const auto* in = reinterpret_cast<const unsigned char*>(archive.data()) + e.data;
    uint64_t written = 0;
    auto accept = [&](const unsigned char* p, size_t n) -> Result<void> {
        if (written + n > budget.bytes) return badInput("zip archive: " + budget.why);
        if (auto w = writeAll(fd, p, n, file); !w) return w;
        written += n;
        return success();
    };
    if (e.method == 0) {
        for (size_t at = 0; at < e.csize; at += kChunk)
            if (auto r = accept(in + at, std::min<size_t>(kChunk, e.csize - at)); !r) return r.error();
        return written;
    }
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return badInput("zlib: inflateInit2 failed");
    std::unique_ptr<z_stream, int (*)(z_streamp)> end(&z, inflateEnd);
    z.next_in = const_cast<unsigned char*>(in);
    z.avail_in = e.csize;
    for (;;) {
        // One byte past the budget at most: enough to know it is over.
        auto room = static_cast<uInt>(std::min<uint64_t>(kChunk, budget.bytes - written + 1));
        z.next_out = chunk;
        z.avail_out = room;
        int rc = inflate(&z, Z_NO_FLUSH);
        if (auto r = accept(chunk, room - z.avail_out); !r) return r.error();
        if (rc == Z_STREAM_END) break;
        if (rc != Z_OK) return badInput("zip archive: '" + e.path + "': a deflated entry is corrupt");
    }
    return written;
}

Result<void> unpackInto(std::string_view bytes, const fs::path& dir, const ArchiveLimits& limits) {
    auto entries = readDirectory(bytes, limits);
    if (!entries) return entries.error();
    auto chunk = std::make_unique<unsigned char[]>(kChunk);
    uint64_t total = 0;
    for (const auto& e : entries.value()) {
        fs::path p = dir / e.path;
        if (e.folder()) {
            if (auto made = files::makeFolders(p.string()); !made) return made;
            continue;
        }
        if (auto made = files::makeFolders(p.parent_path().string()); !made) return made;
        UniqueFd fd(::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!fd.valid() && errno == EEXIST) return badInput("zip archive: '" + e.path + "' appears twice");
        if (!fd.valid()) return osError(errno, "creating " + p.string());
        // The sizes declared passed the limits; the bytes are held to them.
        Budget budget = budgetOf(e, total, bytes.size(), limits);
        budget.atMost(e.usize, "'" + e.path + "' inflates past the " + std::to_string(e.usize) + " bytes it declares");
        auto written = copyEntry(e, bytes, budget, fd.get(), p, chunk.get());
        if (!written) return written.error();
        if (written.value() != e.usize)
            return badInput("zip archive: '" + e.path + "' unpacks to " + std::to_string(written.value()) +
                            " bytes, fewer than the " + std::to_string(e.usize) + " it declares");
        total += written.value();
        bool exec = e.executable || e.path.rfind("bin/", 0) == 0;
        // Files 0640, scripts (bin/, or marked executable) 0750, root:safefarm,
        // whatever the umask and the archive's own modes (common/FileModes.h).
        if (auto m = files::setMode(fd.get(), exec ? files::kScriptMode : files::kFileMode); !m) return m;
    }
    return success();
}

}  // namespace

Result<void> unpackSafeArchive(std::string_view bytes, const std::string& dir, const ArchiveLimits& limits) {
    if (::mkdir(dir.c_str(), 0700) != 0) return osError(errno, "creating " + dir);
    auto r = unpackInto(bytes, dir, limits);
    if (!r) {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    return r;
}

}  // namespace safefarm::module
