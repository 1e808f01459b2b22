// /metrics from the modules' status (the same JSON `safectl status --json`
// shows): safed hands the HTTP side plain numbers, the HTTP side never
// reaches into a module.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "http/MetricsSource.h"

namespace safefarm::safed {

// One module's metrics from its status: state, each node's bucket share
// (0..1), this node's packets by verdict ("drop_not_owner"…), views
// installed, checkers and scripts.
http::ModuleMetrics moduleMetrics(const nlohmann::json& status);

// Collects on every scrape: `statuses` returns the status of every module.
class StatusMetrics : public http::MetricsSource {
public:
    StatusMetrics(std::string node, std::function<std::vector<nlohmann::json>()> statuses)
        : node_(std::move(node)), statuses_(std::move(statuses)) {}
    http::MetricsSnapshot collect() override;

private:
    std::string node_;
    std::function<std::vector<nlohmann::json>()> statuses_;
};

}  // namespace safefarm::safed
