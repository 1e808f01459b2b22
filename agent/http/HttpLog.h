// The HTTP server's own lines in safed's log (journald), each under a
// stable id of the one table (control/MessageIds.h, docs/messages.md), so
// operators can grep and alert on them as on a module log's:
//
//   SF_HTTP_LOGIN_FAILED http: failed login for 'adm' from 10.0.0.5
//
// The text is made one line (common/OneLine.h): it carries what clients
// sent (user names, a peer's claims).
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>
#include <utility>

#include "common/OneLine.h"
#include "control/MessageIds.h"

namespace safefarm::http {

template <class... Args>
void httpLog(spdlog::level::level_enum level, control::MessageId id, fmt::format_string<Args...> format,
             Args&&... args) {
    spdlog::log(level, "{} http: {}", control::messageName(id),
                oneLine(fmt::format(format, std::forward<Args>(args)...)));
}

}  // namespace safefarm::http
