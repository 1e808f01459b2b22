// How every safectl verb that talks to safed sends its one request: where the
// socket is, how long to wait, and the exit codes scripts rely on.
#pragma once

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "control/Envelope.h"

namespace safefarm::safectl {

// Exit codes of every verb (state -q has its own, see StateCommand.h).
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;       // the message is on stderr
inline constexpr int kExitNotRunning = 2;  // safed is not running on this node

struct ClientOptions {
    std::string program = "safectl";                   // or "safekit": how messages are signed
    std::string socket;                                // --socket, $SAFEFARM_SOCKET, /run/safefarm/safed.sock
    std::optional<std::chrono::milliseconds> timeout;  // --timeout; else the verb's own
};

struct Sent {
    int exitCode = kExitOk;  // kExitOk when a reply came, whatever its result
    control::Reply reply;
};

// Sends one request; on failure prints "<program>: why" on err.
Sent send(const ClientOptions& options, const control::Request& request, std::chrono::milliseconds defaultTimeout,
          std::ostream& err);

// For replies that only say what was done: text on out (or on err and exit
// 1 when the result is not a success).
int printReply(const ClientOptions& options, const control::Reply& reply, std::ostream& out, std::ostream& err);

// The modules a state or status reply describes: its "modules" array, or
// the arguments themselves when they describe one module ({"module": ...}).
std::vector<nlohmann::json> moduleEntries(const nlohmann::json& arguments);

// obj[key] as text (strings as they are, numbers printed), or fallback when
// absent or of another type: a reply of an unexpected shape prints "-",
// it does not throw.
std::string field(const nlohmann::json& obj, const char* key, const std::string& fallback = "");

}  // namespace safefarm::safectl
