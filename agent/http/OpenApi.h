// GET /api/openapi.json: an OpenAPI 3.0 description built from the command
// registry itself, so it cannot drift from what the server accepts: one
// path per registered command (with the role it needs), the auth endpoints,
// ready.txt and /metrics.
#pragma once

#include <nlohmann/json.hpp>

#include "control/CommandRegistry.h"
#include "http/CommandRoles.h"

namespace safefarm::http {

nlohmann::json openApiDocument(const control::CommandRegistry& registry, const CommandRoles& roles);

}  // namespace safefarm::http
