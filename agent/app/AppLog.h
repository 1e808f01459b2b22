// The application log (SafeKit's userlog): what the module's scripts print,
// one timestamped line each, kept to a size: past it, the file moves to
// NAME.1 (the previous NAME.1 is dropped) and a new one starts. The scripts'
// pipes are read asynchronously on the io_context.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/Result.h"

namespace safefarm::app {

class AppLog {
public:
    using FollowId = uint64_t;

    // Appends to `path` (created 0640 if absent). capBytes is userlogsize
    // (KiB in userconfig.xml) in bytes.
    static Result<std::unique_ptr<AppLog>> open(boost::asio::io_context& io, std::string path, uint64_t capBytes);
    ~AppLog();
    AppLog(const AppLog&) = delete;
    AppLog& operator=(const AppLog&) = delete;

    // One line, without its '\n': "2024-05-01 12:00:00.123 text".
    void write(std::string_view text);

    // Reads the pipe `fd` (owned from now on) until EOF, each line written
    // as "tag: line".
    FollowId follow(int fd, std::string tag);
    // Reads at once what the pipe holds: its writer exited, so its last lines
    // go in the log before the script's outcome is reported. The pipe stays
    // followed (a child of the script may still hold it open).
    void drain(FollowId id);

    const std::string& path() const { return path_; }
    uint64_t size() const { return size_; }
    size_t following() const { return followers_.size(); }
    // The last failure to write or rotate (a full disk must not stop the
    // module, so writes go on being attempted).
    const std::optional<Error>& lastError() const { return lastError_; }

private:
    struct Follower {
        explicit Follower(boost::asio::io_context& io) : pipe(io) {}
        boost::asio::posix::stream_descriptor pipe;
        std::string tag;
        std::string partial;  // a line not ended yet
    };

    AppLog(boost::asio::io_context& io, std::string path, uint64_t capBytes, int fd, uint64_t size);
    void wait(FollowId id);
    // Reads until the pipe is empty; false at EOF or on an error.
    bool readAvailable(Follower& f);
    void emit(Follower& f, std::string_view line);
    void rotate();

    boost::asio::io_context& io_;
    std::string path_;
    uint64_t cap_;
    int fd_;
    uint64_t size_;
    std::optional<Error> lastError_;
    FollowId nextId_ = 1;
    std::map<FollowId, std::unique_ptr<Follower>> followers_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace safefarm::app
