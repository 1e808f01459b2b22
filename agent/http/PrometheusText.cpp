#include "http/PrometheusText.h"

#include <cmath>
#include <cstdio>
#include <functional>
#include <utility>
#include <vector>

namespace safefarm::http {

namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

std::string number(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

class Writer {
public:
    // A family is written only if it has samples: a node without modules
    // shows no empty HELP/TYPE blocks.
    void family(const char* name, const char* type, const char* help,
                const std::function<void(const std::function<void(const Labels&, double)>&)>& samples) {
        std::string body;
        samples([&](const Labels& labels, double value) {
            body += name;
            if (!labels.empty()) {
                body += '{';
                for (std::size_t i = 0; i < labels.size(); ++i) {
                    if (i) body += ',';
                    body += labels[i].first + "=\"" + escapeLabelValue(labels[i].second) + '"';
                }
                body += '}';
            }
            body += ' ' + number(value) + '\n';
        });
        if (body.empty()) return;
        out_ += std::string("# HELP ") + name + ' ' + help + '\n';
        out_ += std::string("# TYPE ") + name + ' ' + type + '\n';
        out_ += body;
    }
    std::string take() { return std::move(out_); }

private:
    std::string out_;
};

}  // namespace

std::string escapeLabelValue(std::string_view value) {
    std::string out;
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string formatPrometheus(const MetricsSnapshot& s) {
    Writer w;
    const std::string& node = s.node;
    using Emit = std::function<void(const Labels&, double)>;

    // One sample per possible state, 1 for the current one: the usual
    // Prometheus encoding of an enum, so alerts can say state="STOP" == 1.
    w.family("safefarm_module_state", "gauge", "1 for the module's current state (STOP, WAIT, UP) on this node",
             [&](const Emit& emit) {
                 for (const auto& m : s.modules)
                     for (const char* state : {"STOP", "WAIT", "UP"})
                         emit({{"node", node}, {"module", m.module}, {"state", state}}, m.state == state ? 1 : 0);
             });
    w.family("safefarm_bucket_share", "gauge", "share of the module's buckets each node owns, 0 to 1",
             [&](const Emit& emit) {
                 for (const auto& m : s.modules)
                     for (const auto& [owner, share] : m.bucketShare)
                         emit({{"node", node}, {"module", m.module}, {"owner", owner}}, share);
             });
    w.family("safefarm_packets_total", "counter", "packets seen by the filter, by verdict", [&](const Emit& emit) {
        for (const auto& m : s.modules)
            for (const auto& [verdict, n] : m.packetsByVerdict)
                emit({{"node", node}, {"module", m.module}, {"verdict", verdict}}, static_cast<double>(n));
    });
    w.family("safefarm_view_changes_total", "counter", "membership views installed", [&](const Emit& emit) {
        for (const auto& m : s.modules)
            emit({{"node", node}, {"module", m.module}}, static_cast<double>(m.viewChanges));
    });
    w.family("safefarm_peer_refused_total", "counter",
             "datagrams refused from a configured peer (another cluster key, wire or bucket algorithm version)",
             [&](const Emit& emit) {
                 for (const auto& m : s.modules)
                     for (const auto& p : m.refusedPeers)
                         emit({{"node", node}, {"module", m.module}, {"peer", p.peer}, {"reason", p.reason}},
                              static_cast<double>(p.refused));
             });
    w.family("safefarm_blocked_by_misconfigured_peers", "gauge",
             "1 if this node takes no bucket because it hears refused peers", [&](const Emit& emit) {
                 for (const auto& m : s.modules)
                     emit({{"node", node}, {"module", m.module}}, m.blockedByMisconfiguredPeers ? 1 : 0);
             });
    w.family("safefarm_checker_up", "gauge", "1 if the checker's last check passed", [&](const Emit& emit) {
        for (const auto& m : s.modules)
            for (const auto& c : m.checkers)
                emit({{"node", node}, {"module", m.module}, {"checker", c.name}}, c.ok ? 1 : 0);
    });
    w.family("safefarm_checker_failures_total", "counter", "failed checks", [&](const Emit& emit) {
        for (const auto& m : s.modules)
            for (const auto& c : m.checkers)
                emit({{"node", node}, {"module", m.module}, {"checker", c.name}}, static_cast<double>(c.failures));
    });
    w.family("safefarm_script_runs_total", "counter", "module scripts run", [&](const Emit& emit) {
        for (const auto& m : s.modules)
            for (const auto& sc : m.scripts)
                emit({{"node", node}, {"module", m.module}, {"script", sc.script}}, static_cast<double>(sc.runs));
    });
    w.family("safefarm_script_failures_total", "counter", "module scripts that failed", [&](const Emit& emit) {
        for (const auto& m : s.modules)
            for (const auto& sc : m.scripts)
                emit({{"node", node}, {"module", m.module}, {"script", sc.script}}, static_cast<double>(sc.failures));
    });
    return w.take();
}

}  // namespace safefarm::http
