// One registry of commands that every transport dispatches into (Kea's
// CommandMgr): the Unix socket of safectl and the HTTP API call the same
// handlers with the same envelope.
//
// A handler answers through its Responder, now or later (stop answers when
// the drain is over). dispatch() wraps the Responder so that it answers
// exactly once whatever the handler does: a second call is ignored, a
// handler that throws answers Error, and a handler that drops every copy
// without answering answers Error too, so no client waits forever.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/Result.h"
#include "control/Envelope.h"

namespace safefarm::control {

// Copyable (std::function), and every copy shares the once-only guard.
// May be called from any thread; transports post the write to their own.
using Responder = std::function<void(Reply)>;
using Handler = std::function<void(const Request&, Responder)>;

struct CommandInfo {
    std::string name;
    std::string help;
};

class CommandRegistry {
public:
    // Registers the built-in `list-commands`.
    CommandRegistry();
    // list-commands holds `this`: the registry stays where it was built.
    CommandRegistry(const CommandRegistry&) = delete;
    CommandRegistry& operator=(const CommandRegistry&) = delete;

    // Register before serving: the registry is not locked.
    Result<void> add(std::string name, std::string help, Handler handler);
    bool has(const std::string& name) const { return commands_.count(name) != 0; }

    // Unknown command: Unsupported, with the known ones in text and arguments.
    void dispatch(const Request& request, Responder respond) const;

    // Sorted by name.
    std::vector<CommandInfo> list() const;

private:
    struct Entry {
        std::string help;
        Handler handler;
    };
    std::map<std::string, Entry> commands_;
};

}  // namespace safefarm::control
