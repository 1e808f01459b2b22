#include "http/OpenApi.h"

#include <gtest/gtest.h>

namespace safefarm::http {
namespace {

using control::Reply;
using control::Request;
using control::Responder;

TEST(OpenApi, EveryRegisteredCommandHasAPathWithItsRole) {
    control::CommandRegistry registry;
    for (const char* c : {"start", "stop", "state", "module-install", "brand-new"})
        ASSERT_TRUE(
            registry.add(c, std::string("help of ") + c, [](const Request&, Responder r) { r(Reply::success("")); })
                .ok());
    CommandRoles roles;
    auto doc = openApiDocument(registry, roles);
    EXPECT_EQ(doc["openapi"], "3.0.3");
    for (const auto& c : registry.list()) {
        auto path = "/api/v1/commands/" + c.name;
        ASSERT_TRUE(doc["paths"].contains(path)) << path;
        const auto& post = doc["paths"][path]["post"];
        EXPECT_EQ(post["summary"], c.help);
        EXPECT_EQ(post["x-safefarm-role"], roleName(roles.required(c.name)));
        // Only read-only commands may be sent as GET.
        EXPECT_EQ(doc["paths"][path].contains("get"), roles.required(c.name) == Role::Monitor) << path;
    }
    EXPECT_EQ(doc["paths"]["/api/v1/commands/brand-new"]["post"]["x-safefarm-role"], "admin");
    for (const char* p :
         {"/api/v1/login", "/api/v1/logout", "/api/v1/session", "/api/v1/commands", "/var/modules/{module}/ready.txt",
          "/metrics", "/api/openapi.json", "/api/v1/snapshot", "/api/v1/peer/commands/{name}"})
        EXPECT_TRUE(doc["paths"].contains(p)) << p;
    EXPECT_EQ(doc["paths"]["/api/v1/snapshot"]["get"]["x-safefarm-role"], "admin");
    EXPECT_TRUE(doc["components"]["schemas"]["CommandBody"]["properties"].contains("node"));
    EXPECT_TRUE(doc["components"]["securitySchemes"].contains("cookieAuth"));
    EXPECT_TRUE(doc["components"]["securitySchemes"].contains("bearerAuth"));
}

}  // namespace
}  // namespace safefarm::http
