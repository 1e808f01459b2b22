// What the transports' thread may read of the modules without asking their
// thread (docs/design.md "Threads"): which modules are UP, for ready.txt,
// and their status, for /metrics. The modules' thread publishes both (UP
// every 100 ms, the status once a second: it reads the data path's
// counters and flow table), so a flood of probes or scrapes costs the
// heartbeat's thread nothing.
#pragma once

#include <nlohmann/json.hpp>

#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace safefarm::safed {

class StatusBoard {
public:
    void publishUp(std::set<std::string> up) {
        std::lock_guard lock(mutex_);
        up_ = std::move(up);
    }
    void publishVips(std::set<std::string> vips) {
        std::lock_guard lock(mutex_);
        vips_ = std::move(vips);
    }
    // Is this one of the modules' virtual addresses (what web clients reach)?
    bool isVip(const std::string& address) const {
        std::lock_guard lock(mutex_);
        return vips_.contains(address);
    }
    void publishStatuses(std::vector<nlohmann::json> statuses) {
        std::lock_guard lock(mutex_);
        statuses_ = std::move(statuses);
    }
    bool up(const std::string& module) const {
        std::lock_guard lock(mutex_);
        return up_.count(module) != 0;
    }
    std::vector<nlohmann::json> statuses() const {
        std::lock_guard lock(mutex_);
        return statuses_;
    }

private:
    mutable std::mutex mutex_;
    std::set<std::string> up_;
    std::set<std::string> vips_;
    std::vector<nlohmann::json> statuses_;
};

}  // namespace safefarm::safed
