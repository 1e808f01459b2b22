#include "control/UnixServer.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <thread>

#include "Privilege.h"
#include "TempDir.h"
#include "UnixSocket.h"
#include "control/UnixClient.h"

namespace safefarm::control {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Writes bytes on a fresh connection and reads up to `lines` reply lines
// (fewer if the server hangs up first).
std::vector<std::string> exchange(const std::string& path, const std::string& bytes, size_t lines) {
    int fd = test::connectUnix(path);
    EXPECT_GE(fd, 0) << std::strerror(errno);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    for (size_t sent = 0; sent < bytes.size();) {
        ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<size_t>(n);
    }
    std::string in;
    char buf[4096];
    while (static_cast<size_t>(std::count(in.begin(), in.end(), '\n')) < lines) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        in.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    std::vector<std::string> out;
    for (size_t start = 0, eol; (eol = in.find('\n', start)) != std::string::npos; start = eol + 1)
        out.push_back(in.substr(start, eol - start));
    return out;
}

class UnixServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(tmp_.ok());
        (void)registry_.add("echo", "",
                            [](const Request& r, Responder respond) { respond(Reply::success(r.module, r.args)); });
        (void)registry_.add("origin", "",
                            [](const Request& r, Responder respond) { respond(Reply::success(r.origin)); });
        // Answers nobody until `gate_` requests wait: proves connections are served at once.
        (void)registry_.add("gather", "", [this](const Request&, Responder respond) {
            waiting_.push_back(respond);
            if (waiting_.size() == gate_) {
                for (auto& w : waiting_) w(Reply::success("all here"));
                waiting_.clear();
            }
        });
        (void)registry_.add("never", "", [this](const Request&, Responder respond) { kept_.push_back(respond); });
    }

    void TearDown() override {
        if (thread_.joinable()) {
            boost::asio::post(io_, [this] {
                server_.reset();
                kept_.clear();
                waiting_.clear();
                work_.reset();
            });
            thread_.join();
        }
    }

    Result<void> startServer() {
        server_ = std::make_unique<UnixServer>(io_, registry_, path_);
        auto r = server_->start();
        if (r) thread_ = std::thread([this] { io_.run(); });
        return r;
    }

    test::TempDir tmp_{"sfctl"};
    const std::string dir_ = tmp_.str();
    const std::string path_ = dir_ + "/run/safed.sock";  // run/ does not exist yet: start() makes it
    boost::asio::io_context io_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{io_.get_executor()};
    CommandRegistry registry_;
    std::unique_ptr<UnixServer> server_;
    std::thread thread_;
    std::vector<Responder> waiting_, kept_;
    size_t gate_ = 4;
};

TEST_F(UnixServerTest, AnswersAndListsCommands) {
    ASSERT_TRUE(startServer().ok());
    auto reply = call(path_, {"echo", "apache_farm", {{"force", true}}}, 2s);
    ASSERT_TRUE(reply.ok()) << reply.error().message();
    EXPECT_EQ(reply->text, "apache_farm");
    EXPECT_EQ(reply->arguments["force"], true);
    auto unknown = call(path_, {"nosuch", "", {}}, 2s);
    ASSERT_TRUE(unknown.ok());
    EXPECT_EQ(unknown->result, ResultCode::Unsupported);
}

// Who sent a command is the socket's peer (SO_PEERCRED), never the envelope.
TEST_F(UnixServerTest, TheOriginIsTheSendersProcessAndUser) {
    ASSERT_TRUE(startServer().ok());
    auto reply = call(path_, {"origin", "", {}, "forged"}, 2s);
    ASSERT_TRUE(reply.ok()) << reply.error().message();
    EXPECT_EQ(reply->text, "safectl (pid " + std::to_string(::getpid()) + ", uid " + std::to_string(::getuid()) + ")");
}

TEST_F(UnixServerTest, SeveralClientsAtOnce) {
    ASSERT_TRUE(startServer().ok());
    std::vector<std::future<Result<Reply>>> clients;
    for (size_t i = 0; i < gate_; i++)
        clients.push_back(std::async(std::launch::async, [this] { return call(path_, {"gather", "", {}}, 5s); }));
    for (auto& c : clients) {
        auto r = c.get();
        ASSERT_TRUE(r.ok()) << r.error().message();
        EXPECT_EQ(r->text, "all here");
    }
}

TEST_F(UnixServerTest, MalformedJsonAnsweredAndConnectionKept) {
    ASSERT_TRUE(startServer().ok());
    auto lines = exchange(path_, "this is not json\n{\"module\":\"m\"}\n{\"command\":\"echo\",\"module\":\"m\"}\n", 3);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(nlohmann::json::parse(lines[0])["result"], 1);
    EXPECT_EQ(nlohmann::json::parse(lines[0])["text"], "malformed JSON in request");
    EXPECT_EQ(nlohmann::json::parse(lines[1])["text"], "request has no \"command\" string");
    EXPECT_EQ(nlohmann::json::parse(lines[2])["result"], 0);
}

TEST_F(UnixServerTest, OversizeRequestRefused) {
    ASSERT_TRUE(startServer().ok());
    auto lines = exchange(path_, std::string(kMaxRequestBytes + 100, 'x'), 2);
    ASSERT_EQ(lines.size(), 1u);  // one error, then the server hangs up
    auto reply = parseReply(lines[0]);
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(reply->result, ResultCode::Error);
    EXPECT_EQ(reply->text, "request larger than 1048576 bytes");
    EXPECT_TRUE(call(path_, {"echo", "", {}}, 2s).ok());  // and serves others still
}

TEST_F(UnixServerTest, ClientToldWhyWhenRequestTooLarge) {
    ASSERT_TRUE(startServer().ok());
    // The server hangs up while the client is still writing: the client reads the reason.
    auto r = call(path_, {"echo", "", {{"blob", std::string(2 * kMaxRequestBytes, 'x')}}}, 5s);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->text, "request larger than 1048576 bytes");
}

TEST_F(UnixServerTest, SocketIsPrivateAndRemovedAtStop) {
    ASSERT_TRUE(startServer().ok());
    struct stat st {};
    ASSERT_EQ(::stat(path_.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat((dir_ + "/run").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0755u);
    std::promise<void> stopped;
    boost::asio::post(io_, [&] {
        server_->stop();
        stopped.set_value();
    });
    stopped.get_future().wait();
    EXPECT_FALSE(fs::exists(path_));
}

TEST_F(UnixServerTest, StaleSocketReplaced) {
    fs::create_directories(dir_ + "/run");
    ASSERT_TRUE(test::makeStaleSocket(path_));
    ASSERT_TRUE(startServer().ok());
    EXPECT_TRUE(call(path_, {"echo", "", {}}, 2s).ok());
}

TEST_F(UnixServerTest, LiveSocketRefused) {
    ASSERT_TRUE(startServer().ok());
    boost::asio::io_context other;
    UnixServer second(other, registry_, path_);
    auto r = second.start();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, EADDRINUSE);
    EXPECT_EQ(r.error().context, "safed already running (a server answers on " + path_ + ")");
    EXPECT_TRUE(call(path_, {"echo", "", {}}, 2s).ok());  // the first one is untouched
}

TEST_F(UnixServerTest, NotASocketRefused) {
    fs::create_directories(dir_ + "/run");
    { std::ofstream(path_) << "x"; }
    auto r = startServer();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().context, path_ + " exists and is not a socket");
}

TEST_F(UnixServerTest, ClientTimesOut) {
    ASSERT_TRUE(startServer().ok());
    auto r = call(path_, {"never", "", {}}, 200ms);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ETIMEDOUT);
    EXPECT_EQ(r.error().context, "no reply from safed within 200 ms");
}

TEST_F(UnixServerTest, OtherUsersForbidden) {
    SAFEFARM_REQUIRE_PRIVILEGE();
    ASSERT_TRUE(startServer().ok());
    // Open the file mode so only the SO_PEERCRED check stands in the way.
    ::chmod(dir_.c_str(), 0755);
    ::chmod(path_.c_str(), 0666);
    pid_t pid = ::fork();
    if (pid == 0) {
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(100);
        auto r = call(path_, {"echo", "", {}}, 2s);
        ::_exit(r.ok() ? static_cast<int>(r->result) : 101);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), static_cast<int>(ResultCode::Forbidden));
}

}  // namespace
}  // namespace safefarm::control
