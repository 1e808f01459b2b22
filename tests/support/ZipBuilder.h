// Zip archives built in a test, byte by byte: stored or deflated entries,
// declared sizes that may lie, a central directory that may name one entry
// again and again (the zip bomb of issues 13 and 14).
#pragma once

#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

namespace safefarm::testing {

struct ZipEntry {
    std::string name;
    std::string data;     // as it sits in the archive (deflated or not)
    uint16_t method = 0;  // 0: stored, 8: deflated
    uint32_t size = 0;    // the size it declares once unpacked
    uint32_t mode = 0100644;
};

inline ZipEntry storedEntry(std::string name, std::string data, uint32_t mode = 0100644) {
    auto size = static_cast<uint32_t>(data.size());
    return {std::move(name), std::move(data), 0, size, mode};
}

// `data`, then `zeros` zero bytes, deflated in 64 KiB steps (a 64 MiB run of
// zeros deflates to about 64 KB without being held whole).
inline ZipEntry deflatedEntry(std::string name, const std::string& data, uint64_t zeros = 0) {
    z_stream z{};
    deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
    std::string out, zero(64u << 10, '\0');
    char buf[64u << 10];
    auto run = [&](const std::string& in, size_t n, int flush) {
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        z.avail_in = static_cast<uInt>(n);
        do {
            z.next_out = reinterpret_cast<Bytef*>(buf);
            z.avail_out = sizeof buf;
            deflate(&z, flush);
            out.append(buf, sizeof buf - z.avail_out);
        } while (z.avail_out == 0 || (flush == Z_FINISH && z.avail_in > 0));
    };
    run(data, data.size(), Z_NO_FLUSH);
    for (uint64_t left = zeros; left > 0;) {
        size_t n = left < zero.size() ? static_cast<size_t>(left) : zero.size();
        run(zero, n, Z_NO_FLUSH);
        left -= n;
    }
    run(zero, 0, Z_FINISH);
    deflateEnd(&z);
    return {std::move(name), std::move(out), 8, static_cast<uint32_t>(data.size() + zeros), 0100644};
}

// Each entry's local header and data once; the central directory names
// entries by index (`central`, every entry once when empty).
inline std::string zipOf(const std::vector<ZipEntry>& entries, std::vector<size_t> central = {}) {
    auto u16 = [](uint32_t v) { return std::string{char(v & 0xff), char(v >> 8 & 0xff)}; };
    auto u32 = [&](uint32_t v) { return u16(v & 0xffff) + u16(v >> 16); };
    std::string zip, directory;
    std::vector<uint32_t> offsets;
    for (const auto& e : entries) {
        offsets.push_back(static_cast<uint32_t>(zip.size()));
        zip += u32(0x04034b50) + u16(20) + u16(0) + u16(e.method) + u16(0) + u16(0) + u32(0) + u32(e.data.size()) +
               u32(e.size) + u16(e.name.size()) + u16(0) + e.name + e.data;
    }
    if (central.empty())
        for (size_t i = 0; i < entries.size(); i++) central.push_back(i);
    for (size_t i : central) {
        const auto& e = entries[i];
        directory += u32(0x02014b50) + u16(0x031e) + u16(20) + u16(0) + u16(e.method) + u16(0) + u16(0) + u32(0) +
                     u32(e.data.size()) + u32(e.size) + u16(e.name.size()) + u16(0) + u16(0) + u16(0) + u16(0) +
                     u32(e.mode << 16) + u32(offsets[i]) + e.name;
    }
    uint32_t at = static_cast<uint32_t>(zip.size());
    return zip + directory + u32(0x06054b50) + u16(0) + u16(0) + u16(central.size()) + u16(central.size()) +
           u32(directory.size()) + u32(at) + u16(0);
}

}  // namespace safefarm::testing
