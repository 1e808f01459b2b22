// safefarm-gap-probe: how long each client address went without an HTTP
// answer through the VIP. Runs inside the lab's client namespace.
//
// Why not tests/lab/probe.py: a Python thread per client that waits for one
// attempt to time out before starting the next measures to the attempt's
// timeout, and under CPU load its own scheduling shows up as outages. Here
// one epoll loop starts a new non-blocking connect from every source address
// every --interval-ms, overlapping (each attempt gives up after
// --timeout-ms), so an outage is measured to the interval whatever an
// attempt costs. An attempt is what a client does: connect, GET --path,
// read the whole answer, close; an answer is a "200" status line. (A bare
// handshake reset at once is no client: at 1000 a second per node it kept
// Apache's workers and SYN queue busy with half-open leftovers of every
// failover and measured that instead.)
//
// Prints one line per source, "SRC GAP_MS FROM_MS": the longest time between
// two answers (or between the start or the end and an answer), and when it
// began (ms from the probe's start). No answer at all: "SRC -1". Exit 0.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using Ms = std::chrono::duration<double, std::milli>;

struct Source {
    std::string text;
    sockaddr_storage addr{};
    socklen_t len = 0;
    Clock::time_point lastAnswer;
    double worstMs = 0;
    double worstFromMs = 0;  // when the longest gap began, from the probe's start
    bool answered = false;
};

struct Attempt {
    size_t source;
    Clock::time_point started;
    bool connected = false;
    std::string reply;
};

bool parseAddr(const std::string& text, uint16_t port, sockaddr_storage& out, socklen_t& len) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
    if (inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        len = sizeof(*v4);
        return true;
    }
    if (inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        len = sizeof(*v6);
        return true;
    }
    return false;
}

int usage() {
    std::fprintf(stderr,
                 "usage: safefarm-gap-probe VIP SRC... [--port N] [--path P] [--interval-ms N] [--timeout-ms N] "
                 "[--duration-s X]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> words;
    uint16_t port = 80;
    std::string path = "/whoami";
    int intervalMs = 10, timeoutMs = 200;
    double durationS = 2.5;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
        const char* v = nullptr;
        if (a == "--port" && (v = value()))
            port = static_cast<uint16_t>(std::atoi(v));
        else if (a == "--path" && (v = value()))
            path = v;
        else if (a == "--interval-ms" && (v = value()))
            intervalMs = std::atoi(v);
        else if (a == "--timeout-ms" && (v = value()))
            timeoutMs = std::atoi(v);
        else if (a == "--duration-s" && (v = value()))
            durationS = std::atof(v);
        else if (a.rfind("--", 0) == 0)
            return usage();
        else
            words.push_back(a);
    }
    if (words.size() < 2 || intervalMs <= 0 || timeoutMs <= 0 || durationS <= 0) return usage();

    sockaddr_storage vip{};
    socklen_t vipLen = 0;
    if (!parseAddr(words[0], port, vip, vipLen)) {
        std::fprintf(stderr, "gap-probe: bad VIP %s\n", words[0].c_str());
        return 2;
    }
    std::vector<Source> sources;
    for (size_t i = 1; i < words.size(); i++) {
        Source s;
        s.text = words[i];
        if (!parseAddr(s.text, 0, s.addr, s.len) || s.addr.ss_family != vip.ss_family) {
            std::fprintf(stderr, "gap-probe: bad source %s\n", s.text.c_str());
            return 2;
        }
        sources.push_back(s);
    }

    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
        std::perror("gap-probe: epoll_create1");
        return 1;
    }
    const std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + words[0] + "\r\n\r\n";
    std::map<int, Attempt> inflight;
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(durationS));
    const auto interval = std::chrono::milliseconds(intervalMs);
    const auto timeout = std::chrono::milliseconds(timeoutMs);
    for (auto& s : sources) s.lastAnswer = start;
    auto nextRound = start;

    auto gapEnds = [&](Source& s, Clock::time_point t) {
        double gap = Ms(t - s.lastAnswer).count();
        if (gap > s.worstMs) {
            s.worstMs = gap;
            s.worstFromMs = Ms(s.lastAnswer - start).count();
        }
    };
    auto answered = [&](Source& s, Clock::time_point t) {
        gapEnds(s, t);
        s.lastAnswer = t;
        s.answered = true;
    };

    while (true) {
        auto now = Clock::now();
        if (now >= end) break;
        if (now >= nextRound) {
            for (size_t i = 0; i < sources.size(); i++) {
                int fd = socket(vip.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                if (fd < 0) continue;  // out of descriptors: this round is skipped, the gap shows it
                if (bind(fd, reinterpret_cast<sockaddr*>(&sources[i].addr), sources[i].len) != 0 ||
                    (connect(fd, reinterpret_cast<sockaddr*>(&vip), vipLen) != 0 && errno != EINPROGRESS)) {
                    close(fd);
                    continue;
                }
                epoll_event ev{};
                ev.events = EPOLLOUT;
                ev.data.fd = fd;
                epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
                inflight[fd] = Attempt{i, now};
            }
            nextRound += interval;
            if (nextRound < now) nextRound = now + interval;  // we fell behind: do not burst
        }
        // Give up on attempts older than the timeout.
        for (auto it = inflight.begin(); it != inflight.end();) {
            if (now - it->second.started >= timeout) {
                close(it->first);
                it = inflight.erase(it);
            } else {
                ++it;
            }
        }
        int waitMs = static_cast<int>(
            std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::milliseconds>(nextRound - now).count()));
        epoll_event events[256];
        int n = epoll_wait(ep, events, 256, std::min(waitMs, intervalMs));
        auto t = Clock::now();
        for (int k = 0; k < n; k++) {
            int fd = events[k].data.fd;
            auto it = inflight.find(fd);
            if (it == inflight.end()) continue;
            Attempt& a = it->second;
            bool done = false, ok = false;
            if (!a.connected) {
                int err = 0;
                socklen_t el = sizeof(err);
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
                if (err != 0 ||
                    send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
                    done = true;
                } else {
                    a.connected = true;
                    epoll_event ev{};
                    ev.events = EPOLLIN;
                    ev.data.fd = fd;
                    epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
                }
            } else {
                char buf[2048];
                ssize_t got = recv(fd, buf, sizeof(buf), 0);
                if (got > 0) {
                    a.reply.append(buf, static_cast<size_t>(got));
                } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                    done = true;
                    ok = got == 0 && (a.reply.rfind("HTTP/1.1 200", 0) == 0 || a.reply.rfind("HTTP/1.0 200", 0) == 0);
                }
            }
            if (done) {
                if (ok) answered(sources[a.source], t);
                close(fd);
                inflight.erase(it);
            }
        }
    }
    auto t = Clock::now();
    for (auto& [fd, a] : inflight) close(fd);
    for (auto& s : sources) {
        if (!s.answered) {
            std::printf("%s -1\n", s.text.c_str());
            continue;
        }
        gapEnds(s, t);
        std::printf("%s %d %d\n", s.text.c_str(), static_cast<int>(s.worstMs + 0.5), static_cast<int>(s.worstFromMs));
    }
    close(ep);
    return 0;
}
