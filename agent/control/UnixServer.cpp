#include "control/UnixServer.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/CloseOnExec.h"
#include "common/FileModes.h"

namespace safefarm::control {

namespace asio = boost::asio;
using stream = asio::local::stream_protocol;

namespace {

std::string serialize(const Reply& reply) {
    // Texts may carry script output that is not UTF-8: replace, never throw.
    return toJson(reply).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// Peers we take commands from: root, and whoever safed runs as. Their
// process and user, for the module log.
bool authorized(int fd, std::string& origin) {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return false;
    origin = "safectl (pid " + std::to_string(cred.pid) + ", uid " + std::to_string(cred.uid) + ")";
    return cred.uid == 0 || cred.uid == ::geteuid();
}

// A socket file exists at path: is a server answering on it?
Result<bool> answers(const std::string& path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return osError(errno, "probing " + path);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    int err = errno;
    ::close(fd);
    if (rc == 0) return true;
    if (err == ECONNREFUSED) return false;
    return osError(err, "probing " + path);
}

}  // namespace

// One client: read a line, dispatch, write the reply, read the next. One
// request at a time, so replies leave in the order requests came.
class UnixServer::Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(stream::socket socket, const CommandRegistry& registry)
        : socket_(std::move(socket)), registry_(registry), in_(kMaxRequestBytes + 1) {}

    void start() {
        forbidden_ = !authorized(socket_.native_handle(), origin_);
        readNext();
    }

    void close() {
        boost::system::error_code ignored;
        socket_.close(ignored);
    }

private:
    void readNext() {
        asio::async_read_until(socket_, in_, '\n',
                               [self = shared_from_this()](auto ec, std::size_t n) { self->onLine(ec, n); });
    }

    void onLine(const boost::system::error_code& ec, std::size_t n) {
        if (ec == asio::error::not_found) {
            // The buffer is full without a newline: the stream cannot be
            // resynchronised, so answer and hang up.
            send(Reply::error("request larger than " + std::to_string(kMaxRequestBytes) + " bytes"), false);
            return;
        }
        if (ec) return;  // the client went away, or stop()
        std::string line(asio::buffers_begin(in_.data()), asio::buffers_begin(in_.data()) + n - 1);
        in_.consume(n);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) return readNext();

        // The request is read before the refusal: hanging up on a client
        // still writing would leave it a broken pipe instead of the reason.
        if (forbidden_)
            return send(Reply::error("only root or safed's own user may send commands", ResultCode::Forbidden), false);
        auto request = parseRequest(line);
        if (!request) return send(Reply::error(request.error().message()), true);
        request.value().origin = origin_;
        // The handler may answer from another thread: the write goes back to ours.
        auto self = shared_from_this();
        registry_.dispatch(request.value(), [self](Reply reply) {
            asio::post(self->socket_.get_executor(),
                       [self, reply = std::move(reply)]() mutable { self->send(std::move(reply), true); });
        });
    }

    void send(Reply reply, bool keepOpen) {
        out_ = serialize(reply);
        asio::async_write(socket_, asio::buffer(out_), [self = shared_from_this(), keepOpen](auto ec, std::size_t) {
            if (ec || !keepOpen) return self->close();
            self->readNext();
        });
    }

    stream::socket socket_;
    const CommandRegistry& registry_;
    asio::streambuf in_;
    std::string out_;
    bool forbidden_ = false;
    std::string origin_;
};

UnixServer::UnixServer(asio::io_context& io, const CommandRegistry& registry, std::string path)
    : registry_(registry), path_(std::move(path)), acceptor_(io), retry_(io) {}

UnixServer::~UnixServer() { stop(); }

Result<void> UnixServer::start() {
    if (path_.size() >= sizeof(sockaddr_un::sun_path)) return badInput("socket path too long: " + path_);
    // mkdir -p, 0755 root:root on what it creates (/run/safefarm: the data
    // path's locks live there too); existing folders keep their mode.
    if (auto r = files::makeFolders(std::filesystem::path(path_).parent_path().string(), 0755, std::nullopt); !r)
        return r;

    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) return osError(EEXIST, path_ + " exists and is not a socket");
        auto live = answers(path_);
        if (!live) return live.error();
        if (live.value()) return osError(EADDRINUSE, "safed already running (a server answers on " + path_ + ")");
        if (::unlink(path_.c_str()) != 0 && errno != ENOENT) return osError(errno, "removing stale socket " + path_);
    }

    boost::system::error_code ec;
    acceptor_.open(stream(), ec);
    // Scripts started by safed would keep the listening socket alive after
    // safed dies and make the next safed believe another one still answers.
    if (!ec)
        if (auto r = setCloseOnExec(acceptor_.native_handle()); !r)
            ec = boost::system::error_code(r.error().code, boost::system::system_category());
    if (!ec) acceptor_.bind(stream::endpoint(path_), ec);
    if (ec) {
        acceptor_.close();
        return osError(ec.value(), "binding the control socket " + path_);
    }
    if (::lstat(path_.c_str(), &st) != 0) {
        int err = errno;
        acceptor_.close();
        return osError(err, "binding the control socket " + path_);
    }
    dev_ = st.st_dev;
    ino_ = st.st_ino;
    listening_ = true;
    // bind() honours the umask; the mode is set right after. Someone who
    // connects in between is still turned away by the SO_PEERCRED check.
    if (::chmod(path_.c_str(), 0600) != 0) {
        int err = errno;
        stop();
        return osError(err, "setting mode 0600 on " + path_);
    }
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        stop();
        return osError(ec.value(), "listening on " + path_);
    }
    acceptNext();
    return success();
}

void UnixServer::acceptNext() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, stream::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
        if (ec) {
            // Out of descriptors, most likely: retry later instead of spinning.
            retry_.expires_after(std::chrono::milliseconds(100));
            retry_.async_wait([this](const boost::system::error_code& e) {
                if (!e && acceptor_.is_open()) acceptNext();
            });
            return;
        }
        (void)setCloseOnExec(socket.native_handle());  // cannot fail on a descriptor just accepted
        auto c = std::make_shared<Connection>(std::move(socket), registry_);
        std::erase_if(connections_, [](const auto& w) { return w.expired(); });
        connections_.push_back(c);
        c->start();
        acceptNext();
    });
}

void UnixServer::stop() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    retry_.cancel();
    for (auto& w : connections_)
        if (auto c = w.lock()) c->close();
    connections_.clear();
    if (!listening_) return;
    listening_ = false;
    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) ::unlink(path_.c_str());
}

}  // namespace safefarm::control
