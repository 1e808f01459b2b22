// The control side and the heartbeat's thread (issue 13, point 4): safed's
// transports (the HTTP API and console, the UNIX socket of safectl) run on
// a thread of their own, so parsing, TLS, logins and slow clients never hold
// up the membership, the lease or an epoch's installation. Every command
// still runs where the modules live: hopTo() fills the transports' registry
// with one handler per command that queues the request on the modules'
// executor (asio::post) and queues the reply back on the caller's, so a
// reply is handled on the thread that asked, as before.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include "control/CommandRegistry.h"

namespace safefarm::control {

// Adds to `out` every command of `target` (but list-commands, which `out`
// has of its own): dispatched on `targetExec`, answered on `callerExec`.
// `target` must outlive `out`'s use; register `target`'s commands first.
void hopTo(const CommandRegistry& target, boost::asio::any_io_executor targetExec,
           boost::asio::any_io_executor callerExec, CommandRegistry& out);

}  // namespace safefarm::control
