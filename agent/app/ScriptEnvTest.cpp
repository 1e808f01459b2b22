#include "app/ScriptEnv.h"

#include <gtest/gtest.h>

namespace safefarm::app {
namespace {

ScriptPaths paths() {
    return ScriptPaths{"/opt/safefarm",
                       "/opt/safefarm/bin",
                       "/var/lib/safefarm",
                       "web",
                       "/var/lib/safefarm/modules/web",
                       "/var/lib/safefarm/modules/web/var"};
}

TEST(ScriptEnv, HasSafeKitVariablesThenUserVars) {
    config::ModuleConfig c;
    c.user.vars = {{"APACHE_HTTPD_CONF", "/etc/apache2/node1.conf"}, {"EMPTY", ""}};
    Environment expected = {
        {"SAFE", "/opt/safefarm"},
        {"SAFEMODULE", "web"},
        {"SAFEBIN", "/opt/safefarm/bin"},
        {"SAFEUSERBIN", "/var/lib/safefarm/modules/web/bin"},
        {"SAFEVAR", "/var/lib/safefarm"},
        {"SAFEUSERVAR", "/var/lib/safefarm/modules/web/var"},
        {"APACHE_HTTPD_CONF", "/etc/apache2/node1.conf"},
        {"EMPTY", ""},
    };
    EXPECT_EQ(scriptEnv(paths(), c), expected);
}

TEST(ScriptEnv, UserVarsCannotReplaceSafeKitOnes) {
    config::ModuleConfig c;
    c.user.vars = {{"SAFE", "/elsewhere"}, {"SAFEUSERBIN", "/tmp"}, {"MINE", "1"}};
    auto env = scriptEnv(paths(), c);
    ASSERT_EQ(env.size(), 7u);
    EXPECT_EQ(env[0].second, "/opt/safefarm");
    EXPECT_EQ(env[3].second, "/var/lib/safefarm/modules/web/bin");
    EXPECT_EQ(env[6], (std::pair<std::string, std::string>{"MINE", "1"}));
}

TEST(ScriptEnv, SafeBinDefaultsToTheInstallDir) {
    auto p = paths();
    p.safeBin.clear();
    auto env = scriptEnv(p, config::ModuleConfig{});
    EXPECT_EQ(env[2], (std::pair<std::string, std::string>{"SAFEBIN", "/opt/safefarm"}));
}

}  // namespace
}  // namespace safefarm::app
