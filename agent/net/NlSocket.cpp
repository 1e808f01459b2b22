#include "net/NlSocket.h"

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

namespace safefarm::net {
namespace {

int recordKernelError(sockaddr_nl*, nlmsgerr* err, void* arg) {
    *static_cast<int*>(arg) = err->error < 0 ? -err->error : err->error;
    return NL_STOP;  // libnl then returns its own code for it; we keep ours
}

// Where libnl handled the kernel's error itself (rtnl_link_get_kernel installs
// its own error callback), its code is all that is left: map back what maps.
int errnoOf(int nle) {
    switch (nle < 0 ? -nle : nle) {
        case NLE_NOMEM: return ENOMEM;
        case NLE_EXIST: return EEXIST;
        case NLE_INVAL: return EINVAL;
        case NLE_RANGE: return ERANGE;
        case NLE_OPNOTSUPP: return EOPNOTSUPP;
        case NLE_AF_NOSUPPORT: return EAFNOSUPPORT;
        case NLE_OBJ_NOTFOUND: return ENOENT;
        case NLE_NOADDR: return EADDRNOTAVAIL;
        case NLE_PERM: return EPERM;
        case NLE_BUSY: return EBUSY;
        case NLE_NOACCESS: return EACCES;
        case NLE_NODEV: return ENODEV;
        case NLE_AGAIN: return EAGAIN;
        default: return 0;
    }
}

}  // namespace

NlSocket::State::~State() {
    if (sock) nl_socket_free(sock);
}

Result<NlSocket> NlSocket::open() {
    NlSocket s;
    s.state_ = std::make_unique<State>();
    s.state_->sock = nl_socket_alloc();
    if (!s.state_->sock) return osError(ENOMEM, "allocating a netlink socket");
    int err = nl_connect(s.state_->sock, NETLINK_ROUTE);
    if (err < 0) return Error{0, std::string("connecting a NETLINK_ROUTE socket: ") + nl_geterror(err)};
    nl_socket_modify_err_cb(s.state_->sock, NL_CB_CUSTOM, recordKernelError, &s.state_->kernelErrno);
    return s;
}

Result<void> NlSocket::run(const std::string& context, const std::function<int(nl_sock*)>& call) {
    state_->kernelErrno = 0;
    int err = call(state_->sock);
    if (err >= 0) return success();
    if (state_->kernelErrno) return osError(state_->kernelErrno, context);
    if (int e = errnoOf(err)) return osError(e, context);
    return Error{0, context + ": " + nl_geterror(err)};
}

}  // namespace safefarm::net
