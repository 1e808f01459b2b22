#include "http/OpenApi.h"

namespace safefarm::http {

using nlohmann::json;

namespace {

json ref(const std::string& name) { return {{"$ref", "#/components/" + name}}; }

json errorResponses(std::initializer_list<const char*> codes) {
    static const std::map<std::string, std::string> kWhy = {
        {"400", "malformed request (JSON, arguments)"},
        {"401", "no or unknown session / API key"},
        {"403", "role too low, or missing/wrong X-CSRF-Token"},
        {"404", "unknown command, or nothing there"},
        {"405", "method not allowed (see Allow)"},
        {"413", "request body too large"},
        {"429", "too many failed logins: wait Retry-After seconds"},
        {"409", "node all: the preflight (config-check) failed on a node; nothing was changed anywhere"},
        {"500", "the command failed (result 1, text says why); node all: it failed on a node"},
        {"502", "the node named could not be reached, or its answer was not signed with the cluster key"},
        {"503", "cross-node calls are off here (no cluster key)"},
    };
    json out = json::object();
    for (const char* c : codes)
        out[c] = {{"description", kWhy.at(c)}, {"content", {{"application/json", {{"schema", ref("schemas/Reply")}}}}}};
    return out;
}

json commandOperation(const control::CommandInfo& c, Role role, bool post) {
    json op = {
        {"operationId", std::string(post ? "post_" : "get_") + c.name},
        {"summary", c.help},
        {"tags", {"commands"}},
        {"x-safefarm-role", roleName(role)},
        {"security", json::array({{{"cookieAuth", json::array()}}, {{"bearerAuth", json::array()}}})},
    };
    json responses = errorResponses({"400", "401", "403", "404", "409", "413", "429", "500", "502", "503"});
    responses["200"] = {{"description", "done (result 0) or nothing to do (result 3)"},
                        {"content", {{"application/json", {{"schema", ref("schemas/Reply")}}}}}};
    op["responses"] = responses;
    if (post) {
        op["description"] = "Needs role " + std::string(roleName(role)) +
                            ". With a session cookie, the X-CSRF-Token header must carry the token from login.";
        op["parameters"] = json::array({ref("parameters/CsrfToken")});
        op["requestBody"] = {{"required", false},
                             {"content", {{"application/json", {{"schema", ref("schemas/CommandBody")}}}}}};
    } else {
        op["description"] = "Read-only command; also accepted as POST.";
        op["parameters"] =
            json::array({{{"name", "module"}, {"in", "query"}, {"required", false}, {"schema", {{"type", "string"}}}},
                         {{"name", "node"},
                          {"in", "query"},
                          {"required", false},
                          {"description", "run it on this node of cluster.xml, or on all"},
                          {"schema", {{"type", "string"}}}}});
    }
    return op;
}

}  // namespace

json openApiDocument(const control::CommandRegistry& registry, const CommandRoles& roles) {
    json paths = json::object();
    for (const auto& c : registry.list()) {
        Role role = roles.required(c.name);
        json item = {{"post", commandOperation(c, role, true)}};
        if (role == Role::Monitor) item["get"] = commandOperation(c, role, false);
        paths["/api/v1/commands/" + c.name] = item;
    }
    paths["/api/v1/commands"] = {
        {"get",
         {{"operationId", "listCommands"},
          {"summary", "the commands, the role each needs, and whether the caller has it"},
          {"tags", {"commands"}},
          {"security", json::array({{{"cookieAuth", json::array()}}, {{"bearerAuth", json::array()}}})},
          {"responses",
           {{"200", {{"description", "the commands"}}}, {"401", {{"description", "not authenticated"}}}}}}}};
    paths["/api/v1/snapshot"] = {
        {"get",
         {{"operationId", "snapshot"},
          {"summary", "every node's status, counters, logs and configuration in one .zip (admin)"},
          {"tags", {"commands"}},
          {"x-safefarm-role", roleName(roles.required("snapshot"))},
          {"security", json::array({{{"cookieAuth", json::array()}}, {{"bearerAuth", json::array()}}})},
          {"parameters",
           json::array({{{"name", "module"}, {"in", "query"}, {"required", false}, {"schema", {{"type", "string"}}}}})},
          {"responses", [] {
               json r = errorResponses({"401", "403", "404", "500"});
               r["200"] = {{"description",
                            "application/zip: <stamp>/<node>/..., ERROR.txt for a node that "
                            "gave nothing, summary.txt"}};
               return r;
           }()}}}};
    paths["/api/v1/peer/commands/{name}"] = {
        {"post",
         {{"operationId", "peerCommand"},
          {"summary", "a command another node forwards (X-Safefarm-Peer: signed with the cluster key)"},
          {"tags", {"cluster"}},
          {"security", json::array()},
          {"parameters",
           json::array({{{"name", "name"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}},
                        {{"name", "X-Safefarm-Peer"},
                         {"in", "header"},
                         {"required", true},
                         {"schema", {{"type", "string"}}}}})},
          {"responses", errorResponses({"400", "401", "403", "404", "500"})}}}};
    paths["/api/v1/login"] = {
        {"post",
         {{"operationId", "login"},
          {"summary",
           "log in: sets the session cookie (HttpOnly, SameSite=Strict) and returns the CSRF token; "
           "checked before the body is parsed: its size, its type, its Origin, the address's failures"},
          {"tags", {"auth"}},
          {"security", json::array()},
          {"requestBody",
           {{"required", true}, {"content", {{"application/json", {{"schema", ref("schemas/Login")}}}}}}},
          {"responses", [] {
               json r = errorResponses({"400", "429"});
               r["200"] = {{"description", "logged in; arguments: user, role, csrf_token, expires_in"},
                           {"headers", {{"Set-Cookie", {{"schema", {{"type", "string"}}}}}}},
                           {"content", {{"application/json", {{"schema", ref("schemas/Reply")}}}}}};
               r["401"] = {{"description", "wrong user name or password"}};
               r["403"] = {{"description", "sent from another site's page (Origin)"}};
               r["413"] = {{"description", "body larger than 4096 bytes, refused on the header"}};
               r["415"] = {{"description", "Content-Type is not application/json"}};
               return r;
           }()}}}};
    paths["/api/v1/logout"] = {{"post",
                                {{"operationId", "logout"},
                                 {"summary", "end the session (cookie and X-CSRF-Token)"},
                                 {"tags", {"auth"}},
                                 {"parameters", json::array({ref("parameters/CsrfToken")})},
                                 {"security", json::array({{{"cookieAuth", json::array()}}})},
                                 {"responses", errorResponses({"401", "403"})}}}};
    paths["/api/v1/logout"]["post"]["responses"]["200"] = {{"description", "logged out; the cookie is cleared"}};
    paths["/api/v1/session"] = {
        {"get",
         {{"operationId", "session"},
          {"summary", "who the caller is: user, role, csrf_token (after a page reload)"},
          {"tags", {"auth"}},
          {"security", json::array({{{"cookieAuth", json::array()}}, {{"bearerAuth", json::array()}}})},
          {"responses", {{"200", {{"description", "the session"}}}, {"401", {{"description", "no session"}}}}}}}};
    paths["/var/modules/{module}/ready.txt"] = {
        {"get",
         {{"operationId", "ready"},
          {"summary", "SafeKit-compatible health check for load balancers, unauthenticated"},
          {"tags", {"health"}},
          {"security", json::array()},
          {"parameters",
           json::array({{{"name", "module"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}}})},
          {"responses",
           {{"200", {{"description", "the module is UP on this node"}}},
            {"404", {{"description", "it is not (or no such module)"}}}}}}}};
    paths["/metrics"] = {{"get",
                          {{"operationId", "metrics"},
                           {"summary",
                            "Prometheus text format: states, bucket shares, packets by verdict, "
                            "view changes, checker results, script runs"},
                           {"tags", {"health"}},
                           {"responses", {{"200", {{"description", "text/plain; version=0.0.4"}}}}}}}};
    paths["/api/openapi.json"] = {{"get",
                                   {{"operationId", "openapi"},
                                    {"summary", "this document"},
                                    {"security", json::array()},
                                    {"responses", {{"200", {{"description", "OpenAPI 3.0"}}}}}}}};

    json components = {
        {"securitySchemes",
         {{"cookieAuth", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "safefarm_session"}}},
          {"bearerAuth", {{"type", "http"}, {"scheme", "bearer"}, {"description", "an API key, sfk_..."}}}}},
        {"parameters",
         {{"CsrfToken",
           {{"name", "X-CSRF-Token"},
            {"in", "header"},
            {"required", false},
            {"description", "the csrf_token of login; required with a session cookie"},
            {"schema", {{"type", "string"}}}}}}},
        {"schemas",
         {{"Reply",
           {{"type", "object"},
            {"required", {"result", "text", "arguments"}},
            {"properties",
             {{"result",
               {{"type", "integer"},
                {"enum", {0, 1, 2, 3, 4}},
                {"description", "0 success, 1 error, 2 unsupported, 3 empty, 4 forbidden"}}},
              {"text", {{"type", "string"}}},
              {"arguments", {{"type", "object"}}}}}}},
          {"CommandBody",
           {{"type", "object"},
            {"properties",
             {{"module", {{"type", "string"}}},
              {"args", {{"type", "object"}}},
              {"node",
               {{"type", "string"},
                {"description",
                 "run it on this node of cluster.xml (through its "
                 "own API), or \"all\": on every node, an answer "
                 "each in arguments.nodes"}}},
              {"command", {{"type", "string"}, {"description", "optional; must match the path"}}}}}}},
          {"Login",
           {{"type", "object"},
            {"required", {"user", "password"}},
            {"properties", {{"user", {{"type", "string"}}}, {"password", {{"type", "string"}}}}}}}}},
    };
    return {
        {"openapi", "3.0.3"},
        {"info",
         {{"title", "safefarm control API"},
          {"version", "1"},
          {"description",
           "The commands of safectl over HTTP (same registry, same envelope). "
           "Roles: monitor reads, control acts, admin configures."}}},
        {"paths", paths},
        {"components", components},
    };
}

}  // namespace safefarm::http
