// Close-on-exec for a descriptor opened without it. Asio (and Beast on top
// of it) opens its sockets without SOCK_CLOEXEC: every module script safed
// starts would inherit them, keep a listening port or the control socket
// alive after safed dies, and read heartbeats not meant for it.
#pragma once

#include "common/Result.h"

namespace safefarm {

// Adds FD_CLOEXEC to the descriptor's flags, keeping the others.
Result<void> setCloseOnExec(int fd);

}  // namespace safefarm
