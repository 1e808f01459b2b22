#include "safectl/LogsCommand.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

#include "control/Tail.h"

namespace safefarm::safectl {

using namespace std::chrono_literals;

namespace {

// Copies what was appended to path since `offset`, and starts over from the
// beginning when the file was rotated (another inode) or truncated.
[[noreturn]] void follow(const std::string& path, std::uint64_t offset, std::ostream& out) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    char buf[65536];
    for (;;) {
        if (fd >= 0) {
            ssize_t n;
            while ((n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(offset))) > 0) {
                out.write(buf, n);
                offset += static_cast<std::uint64_t>(n);
            }
            out.flush();
        }
        std::this_thread::sleep_for(250ms);
        struct stat byName {
        }, opened{};
        bool exists = ::stat(path.c_str(), &byName) == 0;
        bool replaced = fd < 0 || ::fstat(fd, &opened) != 0 || !exists || byName.st_ino != opened.st_ino ||
                        byName.st_dev != opened.st_dev;
        if (replaced && exists) {
            // Whatever the old file got after our last read is copied first.
            if (fd >= 0) {
                ssize_t n;
                while ((n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(offset))) > 0) out.write(buf, n);
                ::close(fd);
            }
            fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
            offset = 0;
        } else if (!replaced && static_cast<std::uint64_t>(opened.st_size) < offset) {
            offset = 0;  // truncated in place
        }
    }
}

}  // namespace

int showLogs(const ClientOptions& options, const LogsOptions& logs, std::ostream& out, std::ostream& err) {
    auto sent = send(options, {"logs", logs.module, {{"app", logs.app}}}, 10s, err);
    if (sent.exitCode != kExitOk) return sent.exitCode;
    if (!sent.reply.ok()) return printReply(options, sent.reply, out, err);
    std::string path = field(sent.reply.arguments, "path");
    if (path.empty()) {
        err << options.program << ": safed did not say where the log is\n";
        return kExitError;
    }

    std::uint64_t end = 0;
    control::TailOptions tail;
    tail.completeLinesOnly = logs.follow;  // a half-written last line is followed, not cut in two
    auto lines = control::lastLines(path, logs.lines, tail);
    if (!lines) {
        // No log yet is normal for a module that never started; -f waits for it.
        if (!logs.follow || lines.error().code != ENOENT) {
            err << options.program << ": " << lines.error().message() << "\n";
            return kExitError;
        }
    } else {
        for (const auto& l : lines.value().lines) out << l << "\n";
        out.flush();
        end = lines.value().end;
    }
    if (logs.follow) follow(path, end, out);
    return kExitOk;
}

}  // namespace safefarm::safectl
