#include "control/Envelope.h"

namespace safefarm::control {

using nlohmann::json;

const char* resultName(ResultCode code) {
    switch (code) {
        case ResultCode::Success: return "success";
        case ResultCode::Error: return "error";
        case ResultCode::Unsupported: return "unsupported";
        case ResultCode::Empty: return "empty";
        case ResultCode::Forbidden: return "forbidden";
    }
    return "unknown";
}

Reply Reply::success(std::string text, json arguments) {
    return Reply{ResultCode::Success, std::move(text), std::move(arguments)};
}

Reply Reply::error(std::string text, ResultCode code) { return Reply{code, std::move(text), json::object()}; }

json toJson(const Request& request) {
    return {{"command", request.command}, {"module", request.module}, {"args", request.args}};
}

json toJson(const Reply& reply) {
    return {{"result", static_cast<int>(reply.result)}, {"text", reply.text}, {"arguments", reply.arguments}};
}

namespace {

// Unknown keys are accepted: a newer client may send more than we know.
Result<json> parseObject(std::string_view text, const char* what) {
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return badInput(std::string("malformed JSON in ") + what);
    if (!j.is_object()) return badInput(std::string(what) + " is not a JSON object");
    return j;
}

}  // namespace

Result<Request> requestFromJson(const json& j) {
    if (!j.is_object()) return badInput("request is not a JSON object");
    Request r;
    auto c = j.find("command");
    if (c == j.end() || !c->is_string() || c->get<std::string>().empty())
        return badInput("request has no \"command\" string");
    r.command = c->get<std::string>();
    if (auto m = j.find("module"); m != j.end() && !m->is_null()) {
        if (!m->is_string()) return badInput("request \"module\" is not a string");
        r.module = m->get<std::string>();
    }
    if (auto a = j.find("args"); a != j.end() && !a->is_null()) {
        if (!a->is_object()) return badInput("request \"args\" is not an object");
        r.args = *a;
    }
    return r;
}

Result<Request> parseRequest(std::string_view text) {
    auto j = parseObject(text, "request");
    if (!j) return j.error();
    return requestFromJson(j.value());
}

Result<Reply> replyFromJson(const json& j) {
    if (!j.is_object()) return badInput("reply is not a JSON object");
    Reply r;
    auto res = j.find("result");
    if (res == j.end() || !res->is_number_integer()) return badInput("reply has no integer \"result\"");
    int code = res->get<int>();
    if (code < 0 || code > static_cast<int>(ResultCode::Forbidden))
        return badInput("reply has an unknown result code " + std::to_string(code));
    r.result = static_cast<ResultCode>(code);
    if (auto t = j.find("text"); t != j.end() && t->is_string()) r.text = t->get<std::string>();
    if (auto a = j.find("arguments"); a != j.end() && !a->is_null()) r.arguments = *a;
    return r;
}

Result<Reply> parseReply(std::string_view text) {
    auto j = parseObject(text, "reply");
    if (!j) return j.error();
    return replyFromJson(j.value());
}

}  // namespace safefarm::control
