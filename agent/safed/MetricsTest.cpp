#include "safed/Metrics.h"

#include <gtest/gtest.h>

#include "http/PrometheusText.h"

using namespace safefarm;

TEST(SafedMetrics, FromAModulesStatus) {
    auto status = nlohmann::json::parse(R"({
      "module": "apache_farm", "state": "UP", "view_changes": 5,
      "nodes": [{"name": "n1", "share": 50.0}, {"name": "n2", "share": 50.0}],
      "verdicts": {"ACCEPT_OWNER": 120, "DROP_NOT_OWNER": 80},
      "checkers": [{"ident": "HTTP_APACHE", "ok": false, "failures": 2}],
      "scripts": {"start_both": {"runs": 1, "failures": 0}}})");
    auto m = safed::moduleMetrics(status);
    EXPECT_EQ(m.module, "apache_farm");
    EXPECT_EQ(m.state, "UP");
    EXPECT_DOUBLE_EQ(m.bucketShare.at("n2"), 0.5);
    EXPECT_EQ(m.packetsByVerdict.at("drop_not_owner"), 80u);
    EXPECT_EQ(m.viewChanges, 5u);
    ASSERT_EQ(m.checkers.size(), 1u);
    EXPECT_FALSE(m.checkers[0].ok);
    EXPECT_EQ(m.checkers[0].failures, 2u);
    ASSERT_EQ(m.scripts.size(), 1u);
    EXPECT_EQ(m.scripts[0].runs, 1u);

    safed::StatusMetrics source("n1", [&] { return std::vector<nlohmann::json>{status}; });
    auto text = http::formatPrometheus(source.collect());
    EXPECT_NE(text.find("safefarm_packets_total{"), std::string::npos) << text;
    EXPECT_NE(text.find("n1"), std::string::npos);
}

// A module never started has no verdicts, checkers or scripts yet.
TEST(SafedMetrics, AStoppedModuleHasOnlyItsState) {
    auto m = safed::moduleMetrics(nlohmann::json{{"module", "farm"}, {"state", "STOP"}});
    EXPECT_EQ(m.state, "STOP");
    EXPECT_TRUE(m.packetsByVerdict.empty());
    EXPECT_TRUE(m.checkers.empty());
}
