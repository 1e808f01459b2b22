// A checker watches one thing the module depends on (a service answering, a
// witness reachable, a link up) and reports a verdict after every check; the
// module maps a failing verdict to its <check action> (RecoveryPolicy).
#pragma once

#include <functional>
#include <string>

namespace safefarm::app {

struct CheckVerdict {
    std::string ident;  // the checker's ident (errd: the process name)
    bool ok = false;
    std::string detail;  // "connect to 127.0.0.1:80: Connection refused"
};

using VerdictHandler = std::function<void(const CheckVerdict&)>;

class Checker {
public:
    virtual ~Checker() = default;
    // The first check runs at once (from the io_context, not within start()),
    // then one every interval.
    virtual void start() = 0;
    // No verdict is reported after stop() returns.
    virtual void stop() = 0;
    virtual const std::string& ident() const = 0;
};

}  // namespace safefarm::app
