// Reports carrier and admin changes of the interfaces a module watches
// (`<interface check="on">`, DESIGN §5): a netlink socket subscribed to
// RTNLGRP_LINK, read on the caller's io_context. No threads.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/Result.h"
#include "net/NlSocket.h"

struct nl_msg;

namespace safefarm::net {

class LinkWatcher {
public:
    // up = administratively up and carrier; called when that changes.
    using Handler = std::function<void(const std::string& ifname, bool up)>;

    LinkWatcher(boost::asio::io_context& io, Handler onChange);
    ~LinkWatcher();
    LinkWatcher(const LinkWatcher&) = delete;
    LinkWatcher& operator=(const LinkWatcher&) = delete;

    // Subscribes in the calling thread's network namespace.
    Result<void> start();
    void stop();

    // Returns the interface's state now; changes from then on are reported.
    // A watched interface that disappears is reported down, and up again if
    // it comes back under the same name.
    Result<bool> watch(const std::string& ifname);
    void unwatch(const std::string& ifname) { watched_.erase(ifname); }

private:
    void arm();
    void onReadable();
    void resync();  // the kernel dropped notifications (ENOBUFS): ask again
    void note(const std::string& ifname, bool up);
    static int onMessage(::nl_msg* msg, void* self);

    boost::asio::io_context& io_;
    Handler onChange_;
    std::optional<NlSocket> events_;  // subscribed to RTNLGRP_LINK
    std::optional<NlSocket> query_;   // requests, so replies never mix with events
    std::unique_ptr<boost::asio::posix::stream_descriptor> fd_;
    std::map<std::string, bool> watched_;
    std::vector<std::pair<std::string, bool>> pending_;  // reported once libnl is done
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace safefarm::net
