// This node's traffic, as the heartbeats and the status carry it: the
// packets of the buckets it owns (the bucket counters, 16384 per CPU) every
// second, the connections in its flow table every flowCount. The flow table
// holds up to 131072 entries and takes ~65 ms to read on a busy node even in
// batches (BpfDataPathTest.AFullFlowTableReadsBackWhole): both are read off
// the modules' thread (ModuleDeps::offload; read on it, they held the
// heartbeat through a whole drain and leases ran out), one scan at a time,
// through a reader of the data path's own that outlives a data path closed
// meanwhile. The result comes back on the modules' io.
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "dataplane/DataPath.h"
#include "membership/Membership.h"
#include "module/Logger.h"

namespace safefarm::module {

class TrafficMeter {
public:
    using Offload = std::function<void(std::function<void()>)>;
    // Back on the modules' thread: the flows the scan read (nullptr: it read
    // none, or failed) and when it began.
    using Scanned = std::function<void(const std::vector<FlowEntry>* flows, std::chrono::nanoseconds at)>;

    TrafficMeter(boost::asio::io_context& io, Offload offload, std::chrono::nanoseconds flowCount, const Logger& log);
    ~TrafficMeter();
    TrafficMeter(const TrafficMeter&) = delete;
    TrafficMeter& operator=(const TrafficMeter&) = delete;

    bool scanning() const { return scanning_; }
    bool due(std::chrono::nanoseconds now) const { return now >= nextCounters_ || flowsDue(now); }
    bool flowsDue(std::chrono::nanoseconds now) const { return now >= nextFlows_; }
    void scan(DataPath& dataPath, bool withFlows, std::chrono::nanoseconds now, Scanned scanned);

    // The packets of the buckets `self` owns in `table`, and the flows, as
    // the last scans read them.
    membership::Membership::Traffic local(const std::vector<farm_bucket>& table, uint8_t self) const;

private:
    struct Scan {
        Result<std::vector<uint64_t>> packets;
        std::optional<Result<std::vector<FlowEntry>>> flows;
    };
    void received(const Scan& scan, std::chrono::nanoseconds at, const Scanned& scanned);

    boost::asio::io_context& io_;
    Offload offload_;
    std::chrono::nanoseconds flowCount_;
    const Logger& log_;

    bool scanning_ = false;
    bool failing_ = false;  // the last scan failed (logged once)
    std::chrono::nanoseconds nextCounters_{0};
    std::chrono::nanoseconds nextFlows_{0};
    uint32_t flows_ = 0;
    std::vector<uint64_t> packets_;  // per bucket
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace safefarm::module
