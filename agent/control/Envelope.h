// The JSON envelope every control transport carries (the CLI's Unix socket
// now, the HTTP API later), as Kea's CommandMgr does: one request names a
// command, the module it is about and its arguments; one reply carries a
// result code, a text for humans and arguments for programs.
//
//   request  {"command": "stop", "module": "apache_farm", "args": {"force": true}}
//   reply    {"result": 0, "text": "apache_farm stopped", "arguments": {...}}
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/Result.h"

namespace safefarm::control {

// Kea's numbers, so tools written for one read the other. Never renumber.
enum class ResultCode : int {
    Success = 0,      // done
    Error = 1,        // failed; text says why
    Unsupported = 2,  // no such command
    Empty = 3,        // done, but there was nothing to act on or report
    Forbidden = 4,    // the caller may not send commands
};

const char* resultName(ResultCode code);

struct Request {
    std::string command;
    std::string module;  // "" when the command is not about one module
    nlohmann::json args = nlohmann::json::object();
    // Who sent it and how, as the transport knows it ("safectl (uid 0)",
    // "adm (admin) from 198.18.1.1", "adm (admin) via n1"), for the module
    // log (SF_COMMAND). Not part of the envelope: a client cannot claim it.
    std::string origin;
};

struct Reply {
    ResultCode result = ResultCode::Success;
    std::string text;
    nlohmann::json arguments = nlohmann::json::object();

    bool ok() const { return result == ResultCode::Success || result == ResultCode::Empty; }

    static Reply success(std::string text, nlohmann::json arguments = nlohmann::json::object());
    static Reply error(std::string text, ResultCode code = ResultCode::Error);
};

nlohmann::json toJson(const Request& request);
nlohmann::json toJson(const Reply& reply);

// Parse and check the shape; the error text is what the caller is told.
Result<Request> parseRequest(std::string_view text);
Result<Request> requestFromJson(const nlohmann::json& j);
Result<Reply> parseReply(std::string_view text);
Result<Reply> replyFromJson(const nlohmann::json& j);

}  // namespace safefarm::control
