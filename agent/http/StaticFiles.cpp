#include "http/StaticFiles.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>

namespace safefarm::http {

namespace fs = std::filesystem;

bool percentDecode(std::string_view in, std::string& out) {
    out.clear();
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out += in[i];
            continue;
        }
        if (i + 2 >= in.size()) return false;
        int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
        if (hi < 0 || lo < 0) return false;
        char c = static_cast<char>(hi << 4 | lo);
        if (c == '\0') return false;
        out += c;
        i += 2;
    }
    return true;
}

StaticFiles::StaticFiles(const std::string& root, std::size_t maxFileBytes) : maxFileBytes_(maxFileBytes) {
    std::error_code ec;
    if (root.empty()) return;
    auto canonical = fs::canonical(root, ec);
    if (!ec && fs::is_directory(canonical, ec)) root_ = canonical;
}

std::string StaticFiles::contentTypeFor(const fs::path& file) {
    // What the console ships; anything else is bytes (and nosniff keeps
    // the browser from guessing otherwise).
    static const std::map<std::string, std::string> kTypes = {
        {".html", "text/html; charset=utf-8"},
        {".htm", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".gif", "image/gif"},
        {".ico", "image/x-icon"},
        {".webp", "image/webp"},
        {".woff", "font/woff"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
        {".webmanifest", "application/manifest+json"},
    };
    std::string ext = file.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    auto it = kTypes.find(ext);
    return it == kTypes.end() ? "application/octet-stream" : it->second;
}

StaticLookup StaticFiles::lookup(std::string_view path) const {
    StaticLookup out;
    std::string decoded;
    if (!percentDecode(path, decoded)) {
        out.status = StaticStatus::Refused;
        out.reason = "bad percent-encoding in the path";
        return out;
    }
    if (decoded.empty() || decoded[0] != '/' || decoded.find('\\') != std::string::npos) {
        out.status = StaticStatus::Refused;
        out.reason = "bad path";
        return out;
    }
    // Segment by segment: "..", "." and empty segments inside the path are
    // refused outright, so no normalisation can walk above the root.
    fs::path relative;
    for (std::size_t start = 1; start <= decoded.size();) {
        auto slash = decoded.find('/', start);
        std::string seg = decoded.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        bool last = slash == std::string::npos;
        if (seg == ".." || seg == "." || (seg.empty() && !last)) {
            out.status = StaticStatus::Refused;
            out.reason = "path with '..', '.' or '//' refused";
            return out;
        }
        if (!seg.empty()) relative /= seg;
        if (last) break;
        start = slash + 1;
    }
    if (root_.empty()) return out;

    std::error_code ec;
    fs::path target = root_ / relative;
    if (fs::is_directory(target, ec)) target /= "index.html";
    auto real = fs::canonical(target, ec);
    if (ec) return out;
    // A link inside web/ may point anywhere: what it resolves to must still
    // be under the root.
    auto [rootEnd, realIt] = std::mismatch(root_.begin(), root_.end(), real.begin(), real.end());
    if (rootEnd != root_.end()) {
        out.status = StaticStatus::Refused;
        out.reason = "path leads out of the web folder";
        return out;
    }
    if (!fs::is_regular_file(real, ec)) return out;
    auto size = fs::file_size(real, ec);
    if (ec || size > maxFileBytes_) return out;
    std::ifstream in(real, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (!in) return out;
    out.status = StaticStatus::Found;
    out.file = StaticFile{contentTypeFor(real), bytes.str()};
    return out;
}

}  // namespace safefarm::http
