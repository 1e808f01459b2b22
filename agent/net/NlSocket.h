// A libnl NETLINK_ROUTE socket that keeps the errno the kernel answered with:
// libnl folds errnos into its own codes (ENOBUFS and ENOMEM both become
// NLE_NOMEM), and callers need the real one to tell "already there" from a
// failure and to report it.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/Result.h"

struct nl_sock;

namespace safefarm::net {

class NlSocket {
public:
    // Connected in the calling thread's network namespace, for good.
    static Result<NlSocket> open();

    nl_sock* get() const { return state_->sock; }

    // Runs a libnl call (returning 0 or a negative libnl code); on failure the
    // error carries the kernel's errno when it answered one.
    Result<void> run(const std::string& context, const std::function<int(nl_sock*)>& call);

private:
    struct State {
        nl_sock* sock = nullptr;
        int kernelErrno = 0;
        ~State();
    };
    std::unique_ptr<State> state_;  // stable address: libnl's error callback keeps it
};

}  // namespace safefarm::net
