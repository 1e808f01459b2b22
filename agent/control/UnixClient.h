// safectl's end of the control socket: one request, one reply, blocking.
#pragma once

#include <chrono>
#include <string>

#include "common/Result.h"
#include "control/Envelope.h"
#include "control/SocketPath.h"

namespace safefarm::control {

// Error.code is ENOENT or ECONNREFUSED when safed is not running; the
// context then reads "safed is not running (no socket at PATH)".
Result<Reply> call(const std::string& socketPath, const Request& request, std::chrono::milliseconds timeout);

// The error means nobody listens on the socket (safectl exits 2).
bool notRunning(const Error& error);

}  // namespace safefarm::control
