// One farm module on this node: the STOP -> WAIT -> UP state machine of
// DESIGN §5. Every kernel- or process-facing piece, the clock and the
// running mark come in through ModuleDeps, so the whole lifecycle is tested
// with fakes (ModuleTest). Module.cpp holds what it is asked to do (start,
// resume, stop, restart), ModuleEvents.cpp what happens to it (views, the
// link, verdicts, the pulse), ModuleSnapshot.cpp its status. What it
// drives, each in a file of its own:
//
//   NodeResources    arp_announce, vMAC, XDP data path, VIPs: acquired by a
//                    start and a resume alike, released by the stop
//   EpochKeeper      the view in force and the bucket table installed from it
//   LeaseKeeper      the data path's lease (DESIGN §4)
//   AppSupervisor    start_both, stop_both (then force, then kill), the
//                    checkers and what their failures do
//   TrafficMeter     the traffic, read off the modules' thread
//   StopDrain        a graceful stop's wait for the flows it holds
//   VipAnnouncements arpreroute
//
// start:  STOP -> WAIT: node resources with an epoch that owns nothing, join
//         the membership as not ready; start_both; then ready -> the next
//         committed view gives buckets -> UP.
// view:   every committed view installs a new epoch, renews the lease and
//         announces the VIPs.
// stop:   UP -> drain (announce Draining: the others take the buckets in
//         transition, this node keeps its flows) until no flow is left or
//         nicestoptimeout; stop_both (then force); leave the membership;
//         release the node resources: nothing left behind -> STOP.
#pragma once

#include <boost/asio/io_context.hpp>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "app/Checker.h"
#include "app/RecoveryPolicy.h"
#include "app/ScriptRunner.h"
#include "config/ModuleConfig.h"
#include "dataplane/DataPath.h"
#include "module/AppSupervisor.h"
#include "module/Clock.h"
#include "module/EpochKeeper.h"
#include "module/FarmPlan.h"
#include "module/LeaseKeeper.h"
#include "module/Logger.h"
#include "module/MembershipPort.h"
#include "module/ModuleSnapshot.h"
#include "module/ModuleState.h"
#include "module/ModuleTiming.h"
#include "module/NodeResources.h"
#include "module/RefusedPeerReport.h"
#include "module/RunningMark.h"
#include "module/StopDrain.h"
#include "module/TrafficMeter.h"
#include "module/VipAnnouncements.h"
#include "net/Announcer.h"
#include "net/NetSetup.h"

namespace safefarm::module {

struct ModulePaths {
    std::string name;     // the module's name
    std::string dir;      // holds conf/ and bin/
    std::string varDir;   // the module's runtime files
    std::string safeDir;  // where the `safekit` command lives ($SAFE)
    std::string safeVar;  // the agent's runtime files ($SAFEVAR)
};

struct ModuleDeps {
    boost::asio::io_context& io;
    net::NetSetup& net;
    net::Announcer& announcer;
    app::ScriptRunner& scripts;
    NodeResources::OpenDataPath openDataPath;
    NodeResources::RemoveDataPath removeDataPath;
    std::function<std::unique_ptr<MembershipPort>()> makeMembership;
    ModuleLogger log;
    // The module's checkers and process monitor (<check>, <errd>), started
    // while the application runs; empty when the module has none.
    AppSupervisor::MakeCheckers makeCheckers;
    // Runs a slow read off the modules' thread (the traffic: the flow table
    // takes ~65 ms when full); required. The module posts the result back
    // to `io` itself.
    TrafficMeter::Offload offload;
    std::shared_ptr<Clock> clock;       // SteadyClock in safed
    std::unique_ptr<RunningMark> mark;  // FileRunningMark (<varDir>/running) in safed
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
    bool wasRunning() const { return deps_.mark->present(); }  // a previous safed left this module running
    bool bootStart() const { return config_->service.boot; }

    // The farm interface went down or came back (<interface check="on">):
    // down, the node owns nothing (cut off, it must not claim every bucket
    // in a view of its own and answer the others' clients when the link
    // returns); up, it is ready again after ModuleTiming::linkSettle.
    void linkChanged(const std::string& ifname, bool up);
    const std::string& interfaceName() const { return plan_.ifname; }
    const std::vector<IpAddr>& vips() const { return plan_.vips; }

    ModuleState state() const { return state_; }
    const std::vector<farm_bucket>& table() const { return epochs_.table(); }  // as installed (empty: not started)
    Activity activity() const { return activity_; }
    const std::string& reason() const { return reason_; }
    const std::string& name() const { return paths_.name; }
    // The status (ModuleStatusJson makes it JSON).
    ModuleSnapshot snapshot() const;
    // Which node serves this client (on_addr) by the table installed here:
    // the answer an operator needs when one client complains.
    Result<nlohmann::json> whoServes(const IpAddr& client, std::optional<uint16_t> port) const;

private:
    // The farm interface: up, down (owning nothing), or back up and
    // settling until linkSettleAt_.
    enum class Link { Up, Down, Settling };

    Result<void> setUp();
    Result<void> join(bool ready);
    void tearDown();
    bool canBeReady() const;
    void maybeUp();
    void setState(ModuleState s, const std::string& why);
    std::string upReason() const;
    void runStartBoth();
    void onStartBoth(bool ok);
    void onView(const membership::View& view, bool quorate);
    void onMembershipEvent();
    void linkSettled();
    void armPulse();
    void pulse();
    void pulseTraffic(std::chrono::nanoseconds t);
    void onScanned(const std::vector<FlowEntry>* flows, std::chrono::nanoseconds at);
    void drained(const std::string& how);
    void stopApp(bool force, std::function<void()> then);
    void finishStop();
    void fail(const std::string& why);
    void onVerdict(const app::CheckVerdict& v);
    void recover(const app::RecoveryDecision& d);
    membership::Membership::Traffic localTraffic() const;
    const Mac& announcedMac() const;
    std::chrono::nanoseconds now() const { return deps_.clock->now(); }

    ModuleDeps deps_;
    ModulePaths paths_;
    std::shared_ptr<const config::ModuleConfig> config_;
    FarmPlan plan_;
    ModuleTiming timing_;
    Logger log_;

    NodeResources resources_;
    EpochKeeper epochs_;
    LeaseKeeper lease_;
    AppSupervisor app_;
    TrafficMeter traffic_;
    StopDrain drain_;
    VipAnnouncements announcements_;
    RefusedPeerReport refusedReport_;  // peers with another key or version: SF_PEER_REFUSED
    std::unique_ptr<MembershipPort> membership_;

    ModuleState state_ = ModuleState::Stop;
    Activity activity_ = Activity::Idle;
    std::string reason_;
    std::string stopReason_;  // why a failure stopped the module
    bool stopping_ = false;
    bool recovering_ = false;       // the application restarts (restartApp)
    bool readyAfterFence_ = false;  // announced NotReady after a stall, to get a newer view
    Link link_ = Link::Up;
    std::chrono::nanoseconds linkSettleAt_{0};
    Done startDone_;
    Done stopDone_;

    std::unique_ptr<Timer> pulseTimer_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace safefarm::module
