#include "app/ProcMonitor.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <optional>

namespace safefarm::app {

namespace {

std::optional<std::string> readLink(const std::string& path) {
    char buf[256];
    ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<size_t>(n));
}

// The first line, or up to the first NUL (cmdline).
std::string readFirst(const std::string& path, char end) {
    std::ifstream f(path, std::ios::binary);
    std::string s;
    std::getline(f, s, end);
    return s;
}

std::string baseName(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

Result<std::map<std::string, uint32_t>> countProcesses(const std::string& root, const std::vector<std::string>& names) {
    // "net:[4026531840]": the namespace's inode, the same text for every process in it.
    auto self = readLink(root + "/self/ns/net");
    if (!self) return osError(errno, "reading " + root + "/self/ns/net");
    std::map<std::string, uint32_t> counts;
    for (const auto& n : names) counts[n] = 0;

    DIR* dir = ::opendir(root.c_str());
    if (!dir) return osError(errno, "listing " + root);
    while (dirent* e = ::readdir(dir)) {
        std::string pid = e->d_name;
        if (pid.empty() || !std::all_of(pid.begin(), pid.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
        std::string base = root + "/" + pid;
        // A process that exits meanwhile, or whose namespace we may not read,
        // is not counted.
        auto ns = readLink(base + "/ns/net");
        if (!ns || *ns != *self) continue;
        std::string comm = readFirst(base + "/comm", '\n');
        std::string argv0 = baseName(readFirst(base + "/cmdline", '\0'));
        for (auto& [name, count] : counts)
            if (name == comm || name == argv0) count++;
    }
    ::closedir(dir);
    return counts;
}

ProcMonitor::ProcMonitor(boost::asio::io_context& io, config::ErrdConfig config, VerdictHandler onVerdict,
                         std::string procRoot)
    : io_(io),
      config_(std::move(config)),
      onVerdict_(std::move(onVerdict)),
      procRoot_(std::move(procRoot)),
      timer_(io) {}

ProcMonitor::~ProcMonitor() { *alive_ = false; }

void ProcMonitor::start() {
    if (running_ || config_.procs.empty()) return;
    running_ = true;
    arm();
}

void ProcMonitor::stop() {
    running_ = false;
    timer_.cancel();
}

void ProcMonitor::arm() {
    timer_.expires_after(config_.polltimer.count() > 0 ? config_.polltimer : std::chrono::seconds(10));
    timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
        if (!*alive || ec || !running_) return;
        arm();
        for (const auto& v : poll()) {
            if (!running_) return;  // a verdict's handler stopped the monitor
            onVerdict_(v);
        }
    });
}

std::vector<CheckVerdict> ProcMonitor::poll() const {
    std::vector<std::string> names;
    for (const auto& p : config_.procs) names.push_back(p.name);
    auto counts = countProcesses(procRoot_, names);
    std::vector<CheckVerdict> verdicts;
    for (const auto& p : config_.procs) {
        if (!counts) {
            verdicts.push_back({p.name, false, "counting processes: " + counts.error().message()});
            continue;
        }
        uint32_t n = counts->at(p.name);
        std::string bounds = "at least " + std::to_string(p.atleast) +
                             (p.atmax ? ", at most " + std::to_string(*p.atmax) : std::string());
        bool ok = n >= p.atleast && (!p.atmax || n <= *p.atmax);
        verdicts.push_back({p.name, ok, p.name + ": " + std::to_string(n) + " running (" + bounds + ")"});
    }
    return verdicts;
}

}  // namespace safefarm::app
