// How far a piece of work raises the process's peak resident memory, so a
// test can show that something is never held whole. The work runs in a
// forked child (the test's own heap stays as it was): the child resets its
// peak (/proc/self/clear_refs, 5), reads it (VmHWM), runs the work, reads it
// again. The work's answer (say, an error message) comes back with it.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <functional>
#include <optional>
#include <string>

namespace safefarm::testing {

struct PeakGrowth {
    uint64_t bytes = 0;  // VmHWM after the work, less VmHWM before it
    std::string answer;  // what the work returned
};

inline uint64_t peakResidentBytes() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    return 0;
}

// Nothing when the child could not measure (no clear_refs) or died.
inline std::optional<PeakGrowth> peakGrowthOf(const std::function<std::string()>& work) {
    int fds[2];
    if (pipe(fds) != 0) return std::nullopt;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        std::ofstream reset("/proc/self/clear_refs");
        reset << "5" << std::flush;
        uint64_t before = reset ? peakResidentBytes() : 0;
        std::string answer = work();
        uint64_t after = peakResidentBytes();
        std::string out = std::to_string(before && after ? after - before : UINT64_MAX) + "\n" + answer;
        for (size_t at = 0; at < out.size();) {
            ssize_t n = write(fds[1], out.data() + at, out.size() - at);
            if (n <= 0) _exit(1);
            at += static_cast<size_t>(n);
        }
        _exit(0);
    }
    close(fds[1]);
    std::string got;
    char buf[4096];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) got.append(buf, static_cast<size_t>(n));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    auto nl = got.find('\n');
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || nl == std::string::npos) return std::nullopt;
    uint64_t bytes = std::stoull(got.substr(0, nl));
    if (bytes == UINT64_MAX) return std::nullopt;
    return PeakGrowth{bytes, got.substr(nl + 1)};
}

}  // namespace safefarm::testing
