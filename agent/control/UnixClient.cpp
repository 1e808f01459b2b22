#include "control/UnixClient.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace safefarm::control {

namespace {

using Clock = std::chrono::steady_clock;

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

// Waits until fd is ready for `events` or the deadline passes.
Result<void> waitFor(int fd, short events, Clock::time_point deadline, const std::string& what) {
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return osError(ETIMEDOUT, what);
        pollfd p{fd, events, 0};
        int rc = ::poll(&p, 1, static_cast<int>(left));
        if (rc > 0) return success();
        if (rc < 0 && errno != EINTR) return osError(errno, what);
    }
}

Result<void> connectTo(int fd, const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size());
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return success();
    int err = errno;
    switch (err) {
        case ENOENT: return osError(err, "safed is not running (no socket at " + path + ")");
        case ECONNREFUSED: return osError(err, "safed is not running (nothing listens on " + path + ")");
        case EACCES: return osError(err, "connecting to safed at " + path + " (run as root)");
        case EAGAIN: return osError(err, "safed is busy (" + path + " has too many waiting connections)");
        default: return osError(err, "connecting to safed at " + path);
    }
}

}  // namespace

bool notRunning(const Error& error) { return error.code == ENOENT || error.code == ECONNREFUSED; }

Result<Reply> call(const std::string& socketPath, const Request& request, std::chrono::milliseconds timeout) {
    if (socketPath.empty() || socketPath.size() >= sizeof(sockaddr_un::sun_path))
        return badInput("bad socket path '" + socketPath + "'");
    auto deadline = Clock::now() + timeout;
    // Non-blocking with poll, so the timeout covers the write and the read.
    Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (fd.get() < 0) return osError(errno, "creating a socket");
    if (auto r = connectTo(fd.get(), socketPath); !r) return r.error();

    std::string out = toJson(request).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    for (size_t sent = 0; sent < out.size();) {
        ssize_t n = ::send(fd.get(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<size_t>(n);
        } else if (errno == EAGAIN || errno == EINTR) {
            if (auto r = waitFor(fd.get(), POLLOUT, deadline, "sending to safed"); !r) return r.error();
        } else if (errno == EPIPE || errno == ECONNRESET) {
            break;  // safed hung up early (refused, too large): its reply says why
        } else {
            return osError(errno, "sending to safed at " + socketPath);
        }
    }

    std::string in;
    char buf[65536];
    std::string::size_type eol;
    while ((eol = in.find('\n')) == std::string::npos) {
        if (in.size() > kMaxReplyBytes)
            return badInput("reply from safed larger than " + std::to_string(kMaxReplyBytes) + " bytes");
        ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
        if (n > 0) {
            in.append(buf, static_cast<size_t>(n));
        } else if (n == 0) {
            return osError(ECONNRESET, "safed closed the connection without a reply");
        } else if (errno == EAGAIN || errno == EINTR) {
            auto what = "no reply from safed within " + std::to_string(timeout.count()) + " ms";
            if (auto r = waitFor(fd.get(), POLLIN, deadline, what); !r) return r.error();
        } else {
            return osError(errno, "reading from safed at " + socketPath);
        }
    }
    in.resize(eol);
    auto reply = parseReply(in);
    if (!reply) return badInput("safed sent a bad reply: " + reply.error().context);
    return reply;
}

}  // namespace safefarm::control
