#include "module/TrafficMeter.h"

#include <boost/asio/post.hpp>

namespace safefarm::module {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

TrafficMeter::TrafficMeter(boost::asio::io_context& io, Offload offload, nanoseconds flowCount, const Logger& log)
    : io_(io), offload_(std::move(offload)), flowCount_(flowCount), log_(log) {}

TrafficMeter::~TrafficMeter() { *alive_ = false; }

void TrafficMeter::scan(DataPath& dataPath, bool withFlows, nanoseconds now, Scanned scanned) {
    if (scanning_) return;
    scanning_ = true;
    nextCounters_ = now + 1s;
    auto reader = dataPath.trafficReader();
    auto& io = io_;
    auto job = [this, alive = alive_, reader, now, withFlows, &io, scanned = std::move(scanned)] {
        Scan scan{reader->bucketPackets(), std::nullopt};
        if (withFlows) scan.flows = reader->flows();
        boost::asio::post(io, [this, alive, now, scan = std::move(scan), scanned] {
            if (*alive) received(scan, now, scanned);
        });
    };
    offload_(std::move(job));
}

void TrafficMeter::received(const Scan& scan, nanoseconds at, const Scanned& scanned) {
    scanning_ = false;
    const Error* failed = !scan.packets ? &scan.packets.error() : nullptr;
    if (scan.packets) packets_ = scan.packets.value();
    if (scan.flows) {
        nextFlows_ = at + flowCount_;
        if (*scan.flows)
            flows_ = static_cast<uint32_t>(scan.flows->value().size());
        else
            failed = &scan.flows->error();
    }
    if (failed) {  // said once, until a scan succeeds again
        if (!std::exchange(failing_, true))
            log_.warn(control::MessageId::SF_DATAPATH, "reading the traffic: " + failed->message());
    } else {
        failing_ = false;
    }
    scanned(scan.flows && *scan.flows ? &scan.flows->value() : nullptr, at);
}

// The packets of the buckets it owns; the flows in its data path (closed
// ones too, until they expire).
membership::Membership::Traffic TrafficMeter::local(const std::vector<farm_bucket>& table, uint8_t self) const {
    membership::Membership::Traffic t;
    for (size_t b = 0; b < table.size() && b < packets_.size(); b++)
        if (table[b].owner == self) t.packets += packets_[b];
    t.connections = flows_;
    return t;
}

}  // namespace safefarm::module
