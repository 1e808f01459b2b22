#include "http/ZipArchive.h"

#include <zip.h>

#include <ctime>
#include <memory>

namespace safefarm::http {

namespace {

std::string zipErrorText(zip_error_t* e) {
    std::string s = zip_error_strerror(e);
    zip_error_fini(e);
    return s;
}

struct SourceFree {
    void operator()(zip_source_t* s) const { zip_source_free(s); }
};
using Source = std::unique_ptr<zip_source_t, SourceFree>;

}  // namespace

std::string snapshotName(std::chrono::system_clock::time_point when) {
    auto t = std::chrono::system_clock::to_time_t(when);
    std::tm utc{};
    ::gmtime_r(&t, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &utc);
    return std::string("safefarm-snapshot-") + stamp;
}

Result<std::string> makeZip(const std::vector<std::pair<std::string, std::string>>& files) {
    // libzip removes an archive left empty instead of writing one: an empty
    // .zip is its end-of-central-directory record alone.
    if (files.empty()) return std::string("PK\x05\x06", 4) + std::string(18, '\0');
    zip_error_t err;
    zip_error_init(&err);
    Source buffer(zip_source_buffer_create(nullptr, 0, 0, &err));
    if (!buffer) return badInput("zip: " + zipErrorText(&err));
    // The archive's close writes into the buffer source; keep it past that.
    zip_source_keep(buffer.get());
    zip_t* za = zip_open_from_source(buffer.get(), ZIP_TRUNCATE, &err);
    if (!za) return badInput("zip: " + zipErrorText(&err));
    for (const auto& [name, content] : files) {
        // libzip copies nothing until close: the content must outlive it
        // (it does: `files` is the caller's until we return).
        zip_source_t* s = zip_source_buffer(za, content.data(), content.size(), 0);
        if (!s || zip_file_add(za, name.c_str(), s, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE) < 0) {
            if (s) zip_source_free(s);
            std::string why = zip_strerror(za);
            zip_discard(za);
            return badInput("zip: adding " + name + ": " + why);
        }
    }
    if (zip_close(za) < 0) {
        std::string why = zip_strerror(za);
        zip_discard(za);
        return badInput("zip: " + why);
    }
    zip_stat_t st;
    if (zip_source_stat(buffer.get(), &st) < 0 || zip_source_open(buffer.get()) < 0)
        return badInput("zip: reading the archive back");
    std::string out(st.size, '\0');
    auto n = zip_source_read(buffer.get(), out.data(), out.size());
    zip_source_close(buffer.get());
    if (n < 0 || static_cast<zip_uint64_t>(n) != st.size) return badInput("zip: reading the archive back");
    return out;
}

Result<std::vector<std::pair<std::string, std::string>>> readZip(const std::string& bytes) {
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
    if (!src) return badInput("zip: " + zipErrorText(&err));
    zip_t* za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err);
    if (!za) {
        zip_source_free(src);
        return badInput("zip: " + zipErrorText(&err));
    }
    std::vector<std::pair<std::string, std::string>> out;
    for (zip_int64_t i = 0; i < zip_get_num_entries(za, 0); ++i) {
        zip_stat_t st;
        zip_file_t* f = zip_stat_index(za, i, 0, &st) == 0 ? zip_fopen_index(za, i, 0) : nullptr;
        if (!f) {
            zip_close(za);
            return badInput("zip: entry " + std::to_string(i));
        }
        std::string content(st.size, '\0');
        auto n = zip_fread(f, content.data(), content.size());
        zip_fclose(f);
        if (n < 0 || static_cast<zip_uint64_t>(n) != st.size) {
            zip_close(za);
            return badInput(std::string("zip: reading ") + st.name);
        }
        out.emplace_back(st.name, std::move(content));
    }
    zip_close(za);
    return out;
}

}  // namespace safefarm::http
