#include "app/AppLog.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>

#include "common/FileModes.h"

namespace safefarm::app {

namespace asio = boost::asio;

namespace {

// A script printing without newlines must not grow memory for ever.
constexpr size_t kMaxLine = 64 * 1024;

std::string timestamp() {
    auto now = std::chrono::system_clock::now();
    std::time_t t = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    ::localtime_r(&t, &tm);
    char buf[40];
    size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%03lld", static_cast<long long>(ms));
    return buf;
}

// 0640 root:safefarm, also when an older safed left it 0644.
Result<int> openFile(const std::string& path, bool truncate) {
    return files::createFile(path, O_WRONLY | O_APPEND | (truncate ? O_TRUNC : 0), files::kFileMode);
}

}  // namespace

Result<std::unique_ptr<AppLog>> AppLog::open(asio::io_context& io, std::string path, uint64_t capBytes) {
    auto opened = openFile(path, false);
    if (!opened) return osError(opened.error().code, "opening the application log " + path);
    int fd = opened.value();
    struct stat st {};
    uint64_t size = ::fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
    return std::unique_ptr<AppLog>(new AppLog(io, std::move(path), capBytes, fd, size));
}

AppLog::AppLog(asio::io_context& io, std::string path, uint64_t capBytes, int fd, uint64_t size)
    : io_(io), path_(std::move(path)), cap_(capBytes), fd_(fd), size_(size) {}

AppLog::~AppLog() {
    *alive_ = false;
    followers_.clear();
    if (fd_ >= 0) ::close(fd_);
}

void AppLog::write(std::string_view text) {
    std::string line = timestamp() + " ";
    line.append(text);
    line.push_back('\n');
    if (cap_ > 0 && size_ > 0 && size_ + line.size() > cap_) rotate();
    if (fd_ < 0) return;
    // One write(2) per line with O_APPEND: lines stay whole even if something
    // else appends to the file.
    ssize_t n = ::write(fd_, line.data(), line.size());
    if (n < 0) {
        lastError_ = osError(errno, "writing the application log " + path_);
        return;
    }
    size_ += static_cast<uint64_t>(n);
}

void AppLog::rotate() {
    std::string old = path_ + ".1";
    if (::rename(path_.c_str(), old.c_str()) != 0) lastError_ = osError(errno, "rotating " + path_ + " to " + old);
    auto fd = openFile(path_, true);
    if (!fd) {
        lastError_ = osError(fd.error().code, "reopening the application log " + path_);
        return;  // keep writing to the old descriptor rather than losing lines
    }
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd.value();
    size_ = 0;
}

AppLog::FollowId AppLog::follow(int fd, std::string tag) {
    auto f = std::make_unique<Follower>(io_);
    f->pipe.assign(fd);
    boost::system::error_code ec;
    f->pipe.non_blocking(true, ec);
    f->tag = std::move(tag);
    FollowId id = nextId_++;
    followers_.emplace(id, std::move(f));
    wait(id);
    return id;
}

// async_wait, then read(2) by hand: every read happens in readAvailable, so
// drain() and the asynchronous path can never reorder lines.
void AppLog::wait(FollowId id) {
    auto it = followers_.find(id);
    if (it == followers_.end()) return;
    it->second->pipe.async_wait(asio::posix::descriptor_base::wait_read,
                                [this, alive = alive_, id](boost::system::error_code ec) {
                                    if (!*alive || ec == asio::error::operation_aborted) return;
                                    auto it = followers_.find(id);
                                    if (it == followers_.end()) return;
                                    if (ec || !readAvailable(*it->second)) {
                                        followers_.erase(it);
                                        return;
                                    }
                                    wait(id);
                                });
}

void AppLog::drain(FollowId id) {
    auto it = followers_.find(id);
    if (it == followers_.end()) return;
    if (!readAvailable(*it->second)) {
        // EOF: the pending async_wait completes as aborted once the descriptor closes.
        followers_.erase(it);
    }
}

bool AppLog::readAvailable(Follower& f) {
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(f.pipe.native_handle(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
        if (n <= 0) {  // EOF or error: what is left is the last line
            if (!f.partial.empty()) emit(f, std::exchange(f.partial, {}));
            return false;
        }
        f.partial.append(buf, static_cast<size_t>(n));
        size_t start = 0;
        for (size_t nl; (nl = f.partial.find('\n', start)) != std::string::npos; start = nl + 1)
            emit(f, std::string_view(f.partial).substr(start, nl - start));
        f.partial.erase(0, start);
        if (f.partial.size() > kMaxLine) emit(f, std::exchange(f.partial, {}));
    }
}

void AppLog::emit(Follower& f, std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    write(f.tag.empty() ? std::string(line) : f.tag + ": " + std::string(line));
}

}  // namespace safefarm::app
