#include "control/Tail.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string_view>

#include "common/UniqueFd.h"

namespace safefarm::control {

namespace {

constexpr std::uint64_t kBlock = 64 * 1024;

// One file read backwards: its lines, last first, into `found`.
class Backwards {
public:
    Backwards(std::size_t n, const TailOptions& options, std::uint64_t& budget, std::vector<std::string>& found)
        : n_(n), options_(options), budget_(budget), found_(found) {}

    // `newest`: the file being written, whose last line may still be growing.
    // Returns where a follower goes on from.
    Result<std::uint64_t> read(int fd, const std::string& path, std::uint64_t size, bool newest) {
        std::uint64_t end = size;
        std::string carry;  // the end of a line whose start is in an earlier block
        std::uint64_t pos = size;
        bool atEnd = true;  // the next line found is the file's last
        while ((found_.size() < n_ || (atEnd && newest)) && pos > 0 && budget_ > 0) {
            std::uint64_t len = std::min({kBlock, pos, budget_});
            pos -= len;
            budget_ -= len;
            std::string block(len, '\0');
            ssize_t got = ::pread(fd, block.data(), len, static_cast<off_t>(pos));
            if (got < 0) return osError(errno, "reading " + path);
            block.resize(static_cast<std::size_t>(got));
            block += carry;
            std::size_t e = block.size();
            while (e > 0 && (found_.size() < n_ || atEnd)) {
                auto nl = block.rfind('\n', e - 1);
                if (nl == std::string::npos) break;
                std::string_view line(block.data() + nl + 1, e - nl - 1);
                if (atEnd)
                    lastLine(line, newest, size, end);
                else
                    take(line);
                atEnd = false;
                e = nl;
            }
            carry.assign(block, 0, e);
        }
        // From the start of the file: the first line is whole. Cut by the
        // byte limit instead: not given.
        if (pos == 0) {
            if (atEnd)
                lastLine(carry, newest, size, end);  // no newline in the whole file
            else
                take(carry);
        }
        return end;
    }

private:
    void take(std::string_view line) {
        if (found_.size() >= n_) return;
        if (options_.grep.empty() || line.find(options_.grep) != std::string_view::npos) found_.emplace_back(line);
    }

    // What follows the file's last newline: nothing, or a line without one.
    void lastLine(std::string_view line, bool newest, std::uint64_t size, std::uint64_t& end) {
        if (line.empty()) return;
        if (newest && options_.completeLinesOnly)
            end = size - line.size();
        else
            take(line);
    }

    std::size_t n_;
    const TailOptions& options_;
    std::uint64_t& budget_;
    std::vector<std::string>& found_;
};

}  // namespace

Result<Tail> lastLines(const std::string& path, std::size_t n, const TailOptions& options) {
    Tail tail;
    std::vector<std::string> found;  // last first
    std::uint64_t budget = options.maxBytes;
    Backwards reader(n, options, budget, found);
    std::vector<std::string> files{path};
    files.insert(files.end(), options.older.begin(), options.older.end());
    for (std::size_t i = 0; i < files.size() && (i == 0 || found.size() < n); ++i) {
        UniqueFd fd(::open(files[i].c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd.valid()) {
            if (i > 0 && errno == ENOENT) continue;  // not rotated that far yet
            return osError(errno, "opening " + files[i]);
        }
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0) return osError(errno, "reading " + files[i]);
        auto end = reader.read(fd.get(), files[i], static_cast<std::uint64_t>(st.st_size), i == 0);
        if (!end) return end.error();
        if (i == 0) tail.end = end.value();
    }
    tail.lines.assign(found.rbegin(), found.rend());
    return tail;
}

}  // namespace safefarm::control
