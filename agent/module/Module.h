// One farm module on this node: the STOP -> WAIT -> UP state machine of
// DESIGN §5, driving the network setup, the data path, the membership and
// the application scripts. Every kernel- or process-facing piece comes in
// through ModuleDeps, so the whole lifecycle is tested with fakes.
//
// start:  STOP -> WAIT: arp_announce, vMAC in the unicast filter, XDP filter
//         with an epoch that owns nothing, VIP addresses, join the membership
//         as not ready; start_both; then ready -> the next committed view
//         gives buckets -> UP.
// view:   every committed view installs a new epoch (moving buckets drain
//         while their old owner lives, DESIGN §3), renews the lease and
//         announces the VIPs (arpreroute).
// stop:   UP -> drain (announce Draining: the others take the buckets in
//         transition, this node keeps its flows) until no flow is left or
//         nicestoptimeout; stop_both (then force); leave the membership;
//         remove VIP, vMAC, XDP, sysctl: nothing left behind -> STOP.
// lease:  renewed every pulse while the node is a member of the view it
//         serves, up to what the peers confirm (docs/design.md "Leases") and
//         at most the stall guard from now. With quorum none (no peer
//         confirmation) a freeze longer than the lease revokes it until a
//         newer view takes this node back.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "app/Checker.h"
#include "app/RecoveryPolicy.h"
#include "app/ScriptRunner.h"
#include "config/ModuleConfig.h"
#include "dataplane/DataPath.h"
#include "module/EpochBuilder.h"
#include "module/FarmPlan.h"
#include "module/MembershipPort.h"
#include "module/ModuleState.h"
#include "module/ModuleTiming.h"
#include "module/RefusedPeerReport.h"
#include "net/Announcer.h"
#include "net/NetSetup.h"

namespace safefarm::module {

// level: 'I', 'W', 'E'; id: a stable message id (docs/messages.md).
using ModuleLogger = std::function<void(char level, const char* id, const std::string& text)>;

struct ModulePaths {
    std::string name;    // the module's name
    std::string dir;     // holds conf/ and bin/
    std::string varDir;  // the module's runtime files
    std::string safeDir; // where the `safekit` command lives ($SAFE)
    std::string safeVar; // the agent's runtime files ($SAFEVAR)
};

struct ModuleDeps {
    boost::asio::io_context& io;
    net::NetSetup& net;
    net::Announcer& announcer;
    app::ScriptRunner& scripts;
    std::function<Result<std::unique_ptr<DataPath>>()> openDataPath;
    std::function<Result<void>()> removeDataPath;
    std::function<std::unique_ptr<MembershipPort>()> makeMembership;
    ModuleLogger log;
    // The module's checkers and process monitor (<check>, <errd>), started
    // while the application runs; empty when the module has none.
    std::function<Result<std::vector<std::unique_ptr<app::Checker>>>(app::VerdictHandler)> makeCheckers;
    // Runs a slow read off the modules' thread (the traffic: the flow table
    // takes ~65 ms when full); required. The module posts the result back
    // to `io` itself.
    std::function<void(std::function<void()>)> offload;
};

class Module {
public:
    using Done = std::function<void(Result<void>)>;

    Module(ModuleDeps deps, ModulePaths paths, std::shared_ptr<const config::ModuleConfig> config, FarmPlan plan,
           std::array<uint64_t, 2> hashKey, ModuleTiming timing);
    ~Module();
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;

    void start(Done done);
    void stop(bool force, Done done);
    // The application only: stop_both then start_both, staying in the farm.
    void restartApp(const std::string& why, Done done);
    // safed exits (upgrade, restart): the filter, the VIP and the application
    // stay; the lease runs out unless the next safed adopts it in time.
    void detach();
    // The next safed: adopt a data path left by the previous one.
    Result<void> resume();
    bool wasRunning() const;  // a previous safed left this module running
    bool bootStart() const { return config_->service.boot; }

    // The farm interface went down or came back (<interface check="on">):
    // down, the node owns nothing (cut off, it must not claim every bucket
    // in a view of its own and answer the others' clients when the link
    // returns); up, it is ready again after ModuleTiming::linkSettle.
    void linkChanged(const std::string& ifname, bool up);
    const std::string& interfaceName() const { return plan_.ifname; }
    const std::vector<IpAddr>& vips() const { return plan_.vips; }

    ModuleState state() const { return state_; }
    const std::vector<farm_bucket>& table() const { return table_; }  // as installed (empty: not started)
    Activity activity() const { return activity_; }
    const std::string& reason() const { return reason_; }
    const std::string& name() const { return paths_.name; }
    nlohmann::json status() const;
    // Which node serves this client (on_addr) by the table installed here:
    // the answer an operator needs when one client complains.
    Result<nlohmann::json> whoServes(const IpAddr& client, std::optional<uint16_t> port) const;

private:
    Result<void> setUp();
    void tearDown();
    void runStartBoth();
    void onStartBoth(const app::ScriptOutcome& outcome);
    void runStopBoth(bool force, std::function<void()> then);
    void logMembershipChanges(const membership::View& before, const membership::View& after);
    void onView(const membership::View& view, bool quorate);
    void install(bool drain, bool keepTable = false);
    void refreshPeerMacs();
    void reportRefusedPeers(std::chrono::nanoseconds t);
    const Mac& announcedMac() const;
    void maybeUp();
    void linkSettled();
    bool checkersPass() const;  // no checker is failing now
    membership::Membership::Traffic localTraffic() const;
    std::string runningMark() const;
    void markRunning(bool running);
    void pulse();
    void armPulse();
    void announce(bool memberLeft);
    void finishStop();
    void fail(const std::string& why);
    void setState(ModuleState s, const std::string& why);
    // The traffic (bucket counters; the flow table too when withFlows), read
    // through deps_.offload; onTraffic gets it back on the modules' thread.
    // One scan at a time.
    struct TrafficScan {
        Result<std::vector<uint64_t>> packets;
        std::optional<Result<std::vector<FlowEntry>>> flows;
    };
    void scanTraffic(bool withFlows);
    void onTraffic(const TrafficScan& scan, std::chrono::nanoseconds at);
    uint32_t drainingFlows(const std::vector<FlowEntry>& flows, std::chrono::nanoseconds at) const;
    void drained(const std::string& how);
    void startCheckers();
    void stopCheckers();
    void onVerdict(const app::CheckVerdict& v);
    void recover(const app::RecoveryDecision& d);
    std::string actionOf(const std::string& ident) const;
    std::vector<std::pair<std::string, std::string>> scriptEnv() const;
    std::chrono::nanoseconds now() const;
    std::chrono::nanoseconds leaseDeadline(std::chrono::nanoseconds t) const;
    void renewLease(std::chrono::nanoseconds t);  // writes leaseDeadline(t) into the data path
    void onMembershipEvent();

    ModuleDeps deps_;
    ModulePaths paths_;
    std::shared_ptr<const config::ModuleConfig> config_;
    FarmPlan plan_;
    std::array<uint64_t, 2> hashKey_;
    ModuleTiming timing_;

    ModuleState state_ = ModuleState::Stop;
    Activity activity_ = Activity::Idle;
    std::string reason_;
    std::string stopReason_;  // why a failure stopped the module
    Mac myMac_{};
    std::map<uint8_t, Mac> peerMacs_;  // vmac_directed: as installed in the data path
    RefusedPeerReport refusedReport_;  // peers with another key or version: SF_PEER_REFUSED
    std::unique_ptr<DataPath> dataPath_;
    std::unique_ptr<MembershipPort> membership_;
    std::optional<std::string> oldArpAnnounce_;
    bool vmacAdded_ = false;
    std::vector<IpAddr> addedVips_;

    std::optional<membership::View> view_;
    bool quorate_ = true;
    std::vector<farm_bucket> table_;  // as installed
    bool tableFromView_ = false;      // table_ is a view's (not the start's, nor a stale one)
    uint64_t epoch_ = 0;
    std::chrono::nanoseconds drainUntil_{0};
    uint32_t heldBuckets_ = 0;  // gained from a member that has not installed the view yet
    bool appRunning_ = false;
    bool stopping_ = false;
    std::chrono::nanoseconds stopDeadline_{0};
    uint64_t drainStartNs_ = 0;  // CLOCK_MONOTONIC, as the flows' last_seen_ns
    std::chrono::nanoseconds nextDrainCheck_{0};  // the drain reads the flow table then
    Done stopDone_;
    Done startDone_;

    // What /metrics counts since safed started: views installed, script
    // runs and failures by script, failed checks by checker.
    struct ScriptCount {
        uint64_t runs = 0, failures = 0;
    };
    uint64_t viewChanges_ = 0;
    std::map<std::string, ScriptCount> scriptCounts_;
    std::map<std::string, uint64_t> checkFailures_;
    void countScript(const std::string& script, bool ok);

    // Checkers and recovery (maxloop / loop_interval).
    std::vector<std::unique_ptr<app::Checker>> checkers_;
    std::map<std::string, bool> failing_;  // ident -> currently failing
    app::RecoveryPolicy recovery_;
    bool recovering_ = false;
    bool linkDown_ = false;                       // or back up and settling until linkSettleAt_
    std::chrono::nanoseconds linkSettleAt_{0};
    bool readyAfterFence_ = false;             // announced NotReady after a stall, to get a newer view
    // Traffic scans (scanTraffic): what the heartbeats and the status carry,
    // as last read.
    std::chrono::nanoseconds nextTraffic_{0};  // the next scan of the bucket counters
    bool scanning_ = false;
    bool scanFailing_ = false;  // the last scan failed (logged)
    std::chrono::nanoseconds nextFlowCount_{0};
    uint32_t flowCount_ = 0;
    std::vector<uint64_t> packets_;  // per bucket
    uint32_t drainLeft_ = 0;  // flows a drain waited for at its last scan

    // Lease (DESIGN §4).
    bool leaseAllowed_ = false;
    std::chrono::nanoseconds lastPulse_{0};
    std::optional<membership::ViewId> frozenAt_;  // quorum none: fenced after a stall until a newer view
    std::chrono::nanoseconds grantUntil_{0};      // resumed: the previous agent's lease
    std::chrono::nanoseconds leaseWritten_{0};    // the deadline last written (peer leases)
    bool leaseLapsed_ = false;                    // logged as run out, not back yet

    // arpreroute: announce every arpinterval for arpelapse after a change.
    std::chrono::nanoseconds announceUntil_{0}, nextAnnounce_{0};

    boost::asio::steady_timer pulseTimer_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace safefarm::module
