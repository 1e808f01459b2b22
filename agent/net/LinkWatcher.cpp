#include "net/LinkWatcher.h"

#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>

namespace safefarm::net {
namespace {

constexpr int kMaxDatagramsPerWakeup = 64;  // then yield to the rest of the io_context

bool isUp(unsigned flags, std::optional<uint8_t> operstate) {
    bool carrier = (flags & IFF_LOWER_UP) || (operstate && *operstate == IF_OPER_UP);
    return (flags & IFF_UP) && carrier;
}

}  // namespace

LinkWatcher::LinkWatcher(boost::asio::io_context& io, Handler onChange) : io_(io), onChange_(std::move(onChange)) {}

LinkWatcher::~LinkWatcher() { stop(); }

Result<void> LinkWatcher::start() {
    if (events_) return success();
    auto events = NlSocket::open();
    if (!events) return events.error();
    auto query = NlSocket::open();
    if (!query) return query.error();
    nl_sock* sk = events->get();
    nl_socket_disable_seq_check(sk);  // notifications carry no sequence number
    nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, &LinkWatcher::onMessage, this);
    if (int err = nl_socket_add_membership(sk, RTNLGRP_LINK); err < 0)
        return Error{0, std::string("subscribing to link changes: ") + nl_geterror(err)};
    if (int err = nl_socket_set_nonblocking(sk); err < 0)
        return Error{0, std::string("making the link watch socket non-blocking: ") + nl_geterror(err)};
    (void)nl_socket_set_buffer_size(sk, 1 << 20, 0);  // fewer overruns on busy hosts; resync covers the rest
    events_.emplace(std::move(events.value()));
    query_.emplace(std::move(query.value()));
    fd_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, nl_socket_get_fd(sk));
    arm();
    return success();
}

void LinkWatcher::stop() {
    if (fd_) {
        fd_->release();  // libnl owns and closes the descriptor
        fd_.reset();
    }
    events_.reset();
    query_.reset();
}

Result<bool> LinkWatcher::watch(const std::string& ifname) {
    if (!query_) return badInput("watching " + ifname + ": the link watcher is not started");
    rtnl_link* link = nullptr;
    auto r = query_->run("reading link " + ifname,
                         [&](nl_sock* sk) { return rtnl_link_get_kernel(sk, 0, ifname.c_str(), &link); });
    if (!r) return r.error().code == ENOENT ? osError(ENODEV, "reading link " + ifname) : r.error();
    bool up = isUp(rtnl_link_get_flags(link), static_cast<uint8_t>(rtnl_link_get_operstate(link)));
    rtnl_link_put(link);
    watched_[ifname] = up;
    return up;
}

void LinkWatcher::arm() {
    std::weak_ptr<bool> alive = alive_;
    fd_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                    [this, alive](const boost::system::error_code& ec) {
                        if (ec || alive.expired() || !fd_) return;
                        onReadable();
                    });
}

void LinkWatcher::onReadable() {
    bool overrun = false;
    nl_cb* cb = nl_socket_get_cb(events_->get());  // a reference, put below
    for (int i = 0; i < kMaxDatagramsPerWakeup; i++) {
        int n = nl_recvmsgs_report(events_->get(), cb);
        if (n == -NLE_NOMEM) overrun = true;  // ENOBUFS: notifications were lost
        if (n <= 0 && n != -NLE_NOMEM) break;
    }
    nl_cb_put(cb);
    if (overrun) resync();
    std::weak_ptr<bool> alive = alive_;
    auto changes = std::move(pending_);
    pending_.clear();
    for (const auto& [ifname, up] : changes) {
        onChange_(ifname, up);
        if (alive.expired()) return;  // the handler destroyed us
    }
    if (fd_) arm();
}

void LinkWatcher::resync() {
    for (const auto& entry : watched_) {
        rtnl_link* link = nullptr;
        auto r = query_->run("", [&](nl_sock* sk) { return rtnl_link_get_kernel(sk, 0, entry.first.c_str(), &link); });
        bool up = false;
        if (r) {
            up = isUp(rtnl_link_get_flags(link), static_cast<uint8_t>(rtnl_link_get_operstate(link)));
            rtnl_link_put(link);
        }
        note(entry.first, up);
    }
}

void LinkWatcher::note(const std::string& ifname, bool up) {
    auto it = watched_.find(ifname);
    if (it == watched_.end() || it->second == up) return;  // most RTM_NEWLINKs change something else
    it->second = up;
    pending_.emplace_back(ifname, up);
}

int LinkWatcher::onMessage(nl_msg* msg, void* arg) {
    auto* self = static_cast<LinkWatcher*>(arg);
    nlmsghdr* h = nlmsg_hdr(msg);
    if ((h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) || !nlmsg_valid_hdr(h, sizeof(ifinfomsg)))
        return NL_OK;
    auto* ifi = static_cast<ifinfomsg*>(nlmsg_data(h));
    // AF_BRIDGE messages are about bridge ports: a DELLINK there means "left
    // the bridge", not "gone".
    if (ifi->ifi_family != AF_UNSPEC) return NL_OK;
    nlattr* tb[IFLA_MAX + 1];
    if (nlmsg_parse(h, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr) < 0 || !tb[IFLA_IFNAME]) return NL_OK;
    std::optional<uint8_t> operstate;
    if (tb[IFLA_OPERSTATE]) operstate = nla_get_u8(tb[IFLA_OPERSTATE]);
    bool up = h->nlmsg_type == RTM_NEWLINK && isUp(ifi->ifi_flags, operstate);
    self->note(nla_get_string(tb[IFLA_IFNAME]), up);
    return NL_OK;
}

}  // namespace safefarm::net
