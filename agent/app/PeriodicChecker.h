// What every polling checker shares: one probe at a time, started every
// interval (measured from the previous start, so a slow probe does not
// stretch the period), failed when it takes longer than the timeout.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "app/Checker.h"

namespace safefarm::app {

struct CheckTiming {
    std::chrono::nanoseconds interval;
    std::chrono::nanoseconds timeout;  // 0: the probe is synchronous (intf, ip)
};

class PeriodicChecker : public Checker {
public:
    ~PeriodicChecker() override;
    void start() override;
    void stop() override;
    const std::string& ident() const override { return ident_; }
    const CheckTiming& timing() const { return timing_; }

protected:
    // Reports the probe's result; calls after a timeout, stop() or the
    // checker's destruction are ignored, so it may be called from any
    // completion handler.
    using Finish = std::function<void(bool ok, std::string detail)>;

    PeriodicChecker(boost::asio::io_context& io, std::string ident, CheckTiming timing, VerdictHandler onVerdict);

    // Starts one probe and calls finish once. Handlers must hold what they
    // use (sockets, buffers) by shared_ptr, never `this`: the checker may be
    // gone when they run.
    virtual void probe(Finish finish) = 0;
    // The probe timed out or the checker stops: close what it holds.
    virtual void abort() {}

    boost::asio::io_context& io_;

private:
    void runProbe();
    void complete(uint64_t probe, bool ok, std::string detail);

    std::string ident_;
    CheckTiming timing_;
    VerdictHandler onVerdict_;
    boost::asio::steady_timer next_;
    boost::asio::steady_timer deadline_;
    std::chrono::steady_clock::time_point probeStart_;
    uint64_t probe_ = 0;  // the probe in flight; bumped when it ends
    bool inFlight_ = false;
    bool running_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace safefarm::app
