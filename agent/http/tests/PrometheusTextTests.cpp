#include "http/PrometheusText.h"

#include <gtest/gtest.h>

namespace safefarm::http {
namespace {

TEST(PrometheusText, FormatsEveryFamily) {
    MetricsSnapshot s;
    s.node = "node1";
    ModuleMetrics m;
    m.module = "farm";
    m.state = "UP";
    m.bucketShare = {{"node1", 0.5}, {"node2", 0.5}};
    m.packetsByVerdict = {{"pass", 1234}, {"drop_not_owner", 99}};
    m.viewChanges = 3;
    m.checkers = {{"apache_tcp", true, 2}};
    m.scripts = {{"start_both", 4, 1}};
    m.refusedPeers = {{"node3", "key", 57}};
    m.blockedByMisconfiguredPeers = true;
    s.modules.push_back(m);

    std::string expected =
        "# HELP safefarm_module_state 1 for the module's current state (STOP, WAIT, UP) on this node\n"
        "# TYPE safefarm_module_state gauge\n"
        "safefarm_module_state{node=\"node1\",module=\"farm\",state=\"STOP\"} 0\n"
        "safefarm_module_state{node=\"node1\",module=\"farm\",state=\"WAIT\"} 0\n"
        "safefarm_module_state{node=\"node1\",module=\"farm\",state=\"UP\"} 1\n"
        "# HELP safefarm_bucket_share share of the module's buckets each node owns, 0 to 1\n"
        "# TYPE safefarm_bucket_share gauge\n"
        "safefarm_bucket_share{node=\"node1\",module=\"farm\",owner=\"node1\"} 0.5\n"
        "safefarm_bucket_share{node=\"node1\",module=\"farm\",owner=\"node2\"} 0.5\n"
        "# HELP safefarm_packets_total packets seen by the filter, by verdict\n"
        "# TYPE safefarm_packets_total counter\n"
        "safefarm_packets_total{node=\"node1\",module=\"farm\",verdict=\"drop_not_owner\"} 99\n"
        "safefarm_packets_total{node=\"node1\",module=\"farm\",verdict=\"pass\"} 1234\n"
        "# HELP safefarm_view_changes_total membership views installed\n"
        "# TYPE safefarm_view_changes_total counter\n"
        "safefarm_view_changes_total{node=\"node1\",module=\"farm\"} 3\n"
        "# HELP safefarm_peer_refused_total datagrams refused from a configured peer (another cluster key, wire or "
        "bucket algorithm version)\n"
        "# TYPE safefarm_peer_refused_total counter\n"
        "safefarm_peer_refused_total{node=\"node1\",module=\"farm\",peer=\"node3\",reason=\"key\"} 57\n"
        "# HELP safefarm_blocked_by_misconfigured_peers 1 if this node takes no bucket because it hears refused peers\n"
        "# TYPE safefarm_blocked_by_misconfigured_peers gauge\n"
        "safefarm_blocked_by_misconfigured_peers{node=\"node1\",module=\"farm\"} 1\n"
        "# HELP safefarm_checker_up 1 if the checker's last check passed\n"
        "# TYPE safefarm_checker_up gauge\n"
        "safefarm_checker_up{node=\"node1\",module=\"farm\",checker=\"apache_tcp\"} 1\n"
        "# HELP safefarm_checker_failures_total failed checks\n"
        "# TYPE safefarm_checker_failures_total counter\n"
        "safefarm_checker_failures_total{node=\"node1\",module=\"farm\",checker=\"apache_tcp\"} 2\n"
        "# HELP safefarm_script_runs_total module scripts run\n"
        "# TYPE safefarm_script_runs_total counter\n"
        "safefarm_script_runs_total{node=\"node1\",module=\"farm\",script=\"start_both\"} 4\n"
        "# HELP safefarm_script_failures_total module scripts that failed\n"
        "# TYPE safefarm_script_failures_total counter\n"
        "safefarm_script_failures_total{node=\"node1\",module=\"farm\",script=\"start_both\"} 1\n";
    EXPECT_EQ(formatPrometheus(s), expected);
}

TEST(PrometheusText, EmptySnapshotIsEmptyText) { EXPECT_EQ(formatPrometheus(MetricsSnapshot{"n", {}}), ""); }

TEST(PrometheusText, LabelValuesAreEscaped) {
    EXPECT_EQ(escapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    MetricsSnapshot s{"n", {}};
    ModuleMetrics m;
    m.module = "we\"ird";
    m.state = "STOP";
    s.modules.push_back(m);
    EXPECT_NE(formatPrometheus(s).find("module=\"we\\\"ird\",state=\"STOP\"} 1\n"), std::string::npos);
}

TEST(PrometheusText, LargeCountersKeepEveryDigit) {
    MetricsSnapshot s{"n", {}};
    ModuleMetrics m;
    m.module = "f";
    m.viewChanges = 123456789012345ull;
    s.modules.push_back(m);
    EXPECT_NE(formatPrometheus(s).find("} 123456789012345\n"), std::string::npos);
}

}  // namespace
}  // namespace safefarm::http
