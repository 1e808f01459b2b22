#include "http/CommandRoles.h"

#include <gtest/gtest.h>

namespace safefarm::http {
namespace {

TEST(CommandRoles, ReadsAreMonitorsActsAreControlsConfigurationIsAdmins) {
    CommandRoles roles;
    for (const char* c : {"state", "status", "who", "logs", "module-list", "list-commands"})
        EXPECT_EQ(roles.required(c), Role::Monitor) << c;
    for (const char* c : {"start", "stop", "restart", "stopstart", "print"})
        EXPECT_EQ(roles.required(c), Role::Control) << c;
    for (const char* c : {"module-install", "module-remove"}) EXPECT_EQ(roles.required(c), Role::Admin) << c;
}

TEST(CommandRoles, UnknownCommandNeedsAdminUntilClassified) {
    CommandRoles roles;
    EXPECT_EQ(roles.required("config-deploy"), Role::Admin);
    roles.set("snapshot", Role::Monitor);
    EXPECT_EQ(roles.required("snapshot"), Role::Monitor);
}

TEST(Role, OrderAndNames) {
    EXPECT_TRUE(allows(Role::Admin, Role::Control));
    EXPECT_TRUE(allows(Role::Control, Role::Monitor));
    EXPECT_FALSE(allows(Role::Monitor, Role::Control));
    EXPECT_FALSE(allows(Role::Control, Role::Admin));
    for (Role r : {Role::Monitor, Role::Control, Role::Admin}) EXPECT_EQ(parseRole(roleName(r)), r);
    EXPECT_FALSE(parseRole("root"));
    EXPECT_FALSE(parseRole("Admin"));
}

}  // namespace
}  // namespace safefarm::http
