#include "app/PeriodicChecker.h"

#include <boost/asio/post.hpp>

#include "config/Duration.h"

namespace safefarm::app {

namespace asio = boost::asio;

PeriodicChecker::PeriodicChecker(asio::io_context& io, std::string ident, CheckTiming timing, VerdictHandler onVerdict)
    : io_(io), ident_(std::move(ident)), timing_(timing), onVerdict_(std::move(onVerdict)), next_(io), deadline_(io) {}

PeriodicChecker::~PeriodicChecker() { *alive_ = false; }

void PeriodicChecker::start() {
    if (running_) return;
    running_ = true;
    asio::post(io_, [this, alive = alive_] {
        if (*alive && running_ && !inFlight_) runProbe();
    });
}

void PeriodicChecker::stop() {
    if (!running_) return;
    running_ = false;
    probe_++;
    inFlight_ = false;
    next_.cancel();
    deadline_.cancel();
    abort();
}

void PeriodicChecker::runProbe() {
    uint64_t id = ++probe_;
    inFlight_ = true;
    probeStart_ = std::chrono::steady_clock::now();
    if (timing_.timeout.count() > 0) {
        deadline_.expires_at(probeStart_ + timing_.timeout);
        deadline_.async_wait([this, alive = alive_, id](boost::system::error_code ec) {
            if (!*alive || ec || id != probe_ || !inFlight_) return;
            abort();
            auto t = std::chrono::duration_cast<config::Duration>(timing_.timeout);
            complete(id, false, "no answer within " + config::formatDuration(t));
        });
    }
    probe([this, alive = alive_, id](bool ok, std::string detail) {
        if (*alive) complete(id, ok, std::move(detail));
    });
}

void PeriodicChecker::complete(uint64_t id, bool ok, std::string detail) {
    if (!running_ || id != probe_ || !inFlight_) return;
    inFlight_ = false;
    deadline_.cancel();
    // The next probe before reporting: the handler may stop() the checker.
    next_.expires_at(std::max(probeStart_ + timing_.interval, std::chrono::steady_clock::now()));
    next_.async_wait([this, alive = alive_](boost::system::error_code ec) {
        if (*alive && !ec && running_ && !inFlight_) runProbe();
    });
    onVerdict_(CheckVerdict{ident_, ok, std::move(detail)});
}

}  // namespace safefarm::app
