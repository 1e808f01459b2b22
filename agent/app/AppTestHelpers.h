// What the app tests share: a temporary directory (tests/support), scripts written into it,
// running the io_context until something happens (bounded), and a look at
// /proc for what a process group left behind. Header-only, tests only.
#pragma once

#include <boost/asio/io_context.hpp>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "FileText.h"
#include "TempDir.h"

namespace safefarm::app::testing {

// The suites' shared ones (tests/support): a temporary folder, a file's
// text read and written whole.
using TempDir = ::safefarm::test::TempDir;
using ::safefarm::test::readFile;
using ::safefarm::test::writeFile;

inline std::string writeScript(const TempDir& dir, const std::string& name, const std::string& body,
                               mode_t mode = 0755) {
    return writeFile(dir / name, "#!/bin/sh\n" + body + "\n", mode);
}

// Runs the io_context until pred() holds or `limit` passes; pred() at the end.
inline bool runUntil(boost::asio::io_context& io, const std::function<bool()>& pred,
                     std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    auto end = std::chrono::steady_clock::now() + limit;
    io.restart();
    while (!pred() && std::chrono::steady_clock::now() < end) io.run_one_for(std::chrono::milliseconds(5));
    return pred();
}

// Runs the io_context for `d` exactly (timers of the code under test fire).
inline void runFor(boost::asio::io_context& io, std::chrono::milliseconds d) {
    io.restart();
    io.run_for(d);
}

// Processes of group `pgid` that are not zombies.
inline int liveInGroup(pid_t pgid) {
    int n = 0;
    DIR* d = ::opendir("/proc");
    if (!d) return -1;
    while (dirent* e = ::readdir(d)) {
        std::string stat = readFile(std::string("/proc/") + e->d_name + "/stat");
        auto close = stat.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream rest(stat.substr(close + 2));
        char state = 0;
        long ppid = 0, pgrp = 0;
        rest >> state >> ppid >> pgrp;
        if (pgrp == pgid && state != 'Z' && state != 'X') n++;
    }
    ::closedir(d);
    return n;
}

// Waits (bounded) until group `pgid` has no live process; true when it has none.
inline bool groupGone(pid_t pgid, std::chrono::milliseconds limit = std::chrono::seconds(3)) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (liveInGroup(pgid) > 0 && std::chrono::steady_clock::now() < end) ::usleep(10000);
    return liveInGroup(pgid) == 0;
}

}  // namespace safefarm::app::testing
