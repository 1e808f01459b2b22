#include "module/Module.h"

#include "module/EpochBuilder.h"

#include <algorithm>
#include <utility>

namespace safefarm::module {

using namespace std::chrono_literals;
using control::MessageId;
using membership::MemberState;
using std::chrono::nanoseconds;

Module::Module(ModuleDeps deps, ModulePaths paths, std::shared_ptr<const config::ModuleConfig> config, FarmPlan plan,
               std::array<uint64_t, 2> hashKey, ModuleTiming timing)
    : deps_(std::move(deps)),
      paths_(std::move(paths)),
      config_(std::move(config)),
      plan_(std::move(plan)),
      timing_(timing),
      log_(deps_.log, paths_.name),
      resources_(plan_, deps_.net, deps_.openDataPath, deps_.removeDataPath, log_),
      epochs_(plan_, hashKey, timing_.joinDrain, log_),
      lease_(config_->farm.peerLeases(), timing_.lease, log_),
      app_(deps_.io, deps_.scripts, deps_.makeCheckers,
           app::ScriptPaths{paths_.safeDir, paths_.safeDir, paths_.safeVar, paths_.name, paths_.dir, paths_.varDir},
           config_, log_),
      traffic_(deps_.io, deps_.offload, timing_.flowCount, log_),
      drain_(timing_),
      announcements_(plan_, config_->vip.interfaces[0], timing_.pulse, deps_.announcer, log_),
      pulseTimer_(deps_.clock->timer()) {}

Module::~Module() {
    *alive_ = false;
    pulseTimer_->cancel();
}

void Module::setState(ModuleState s, const std::string& why) {
    if (s != state_)
        log_.info(MessageId::SF_MODULE_STATE,
                  std::string(stateName(state_)) + " -> " + stateName(s) + (why.empty() ? "" : " (" + why + ")"));
    state_ = s;
    reason_ = why;
}

std::string Module::upReason() const {
    return "view " + epochs_.view()->describe() + ", " + std::to_string(bucketsOwned(epochs_.table(), plan_.self)) +
           " buckets";
}

// The node may say it is ready: the application runs, no restart or stop is
// under way, the farm interface is up and no checker fails.
bool Module::canBeReady() const {
    return app_.running() && !recovering_ && !stopping_ && link_ == Link::Up && app_.checkersPass();
}

// WAIT -> UP once the node can be ready and the view in force has it ready
// (whichever came last).
void Module::maybeUp() {
    if (state_ != ModuleState::Wait || !canBeReady()) return;
    const auto* me = epochs_.me();
    if (!me || me->state != MemberState::Ready) return;
    setState(ModuleState::Up, upReason());
}

// --- start, resume, release -------------------------------------------------

void Module::start(Done done) {
    if (state_ != ModuleState::Stop || activity_ != Activity::Idle) {
        done(badInput(paths_.name + " is already started (" + stateName(state_) + ")"));
        return;
    }
    log_.info(MessageId::SF_MODULE_START, "start");
    activity_ = Activity::Starting;
    if (auto r = setUp(); !r) {
        log_.error(MessageId::SF_MODULE_START_FAILED, "start failed: " + r.error().message());
        tearDown();
        activity_ = Activity::Idle;
        setState(ModuleState::Stop, "start failed: " + r.error().message());
        done(r.error());
        return;
    }
    setState(ModuleState::Wait, "started");
    deps_.mark->set(resources_.arpAnnounce().value_or("0"));
    startDone_ = std::move(done);
    runStartBoth();
}

// The node resources with an epoch that owns nothing until a view says
// otherwise, then the membership; undone by tearDown() whatever step failed.
Result<void> Module::setUp() {
    auto fence = [this](DataPath& dp) {
        epochs_.begin(dp, resources_.mac());
        return epochs_.fence(now());
    };
    if (auto r = resources_.acquire(std::nullopt, fence); !r) return r;
    if (auto r = join(false); !r) return r;
    lease_.start(now());
    armPulse();
    return success();
}

// After a restart of safed: the previous one left the module running. The
// filter is adopted with its pins (BpfDataPath) and the table in force read
// back, the node resources are made sure of as a start does, the membership
// joins again as ready under a new incarnation. If the lease has not run
// out, it renews at once and carries on from the table in force: the node
// never stopped filtering and the others never saw it go. If it ran out,
// the others have taken its buckets and hold flows in them: the table left
// in the data path is stale, and the first view that takes the node back
// gives it its buckets through transitions like any joining node
// (EpochKeeper). A step that fails releases everything, as for a start.
// DESIGN §4.
Result<void> Module::resume() {
    if (state_ != ModuleState::Stop) return badInput(paths_.name + " is already running");
    auto adopt = [this](DataPath& dp) -> Result<void> {
        epochs_.begin(dp, resources_.mac());
        if (dp.leaseDeadline() <= now()) return success();
        // A table that gives this node no bucket carries nothing on (a node
        // blocked by misconfigured peers renewed its lease on a view of
        // itself alone): its first view with the others is a join.
        auto t = dp.installedBuckets();
        if (!t)
            log_.warn(MessageId::SF_DATAPATH, t.error().message());
        else if (t->size() == FARM_BUCKETS && bucketsOwned(t.value(), plan_.self))
            epochs_.adopt(std::move(t.value()));
        return success();
    };
    auto r = resources_.acquire(deps_.mark->arpAnnounce(), adopt);
    if (r) {
        lease_.resume(resources_.dataPath()->leaseDeadline(), now());
        app_.markRunning();
        r = join(true);
    }
    if (!r) {
        tearDown();
        return r.error();
    }
    setState(ModuleState::Wait, "resumed after a restart of safed");
    app_.startCheckers([this, alive = alive_](const app::CheckVerdict& v) {
        if (*alive) onVerdict(v);
    });
    armPulse();
    return success();
}

Result<void> Module::join(bool ready) {
    membership_ = deps_.makeMembership();
    membership_->setMac(resources_.mac());
    lease_.bind(*resources_.dataPath(), *membership_);
    membership_->onEvent([this, alive = alive_] {
        if (*alive) onMembershipEvent();
    });
    return membership_->join(ready, [this, alive = alive_](const membership::View& v, bool quorate) {
        if (*alive) onView(v, quorate);
    });
}

void Module::tearDown() {
    pulseTimer_->cancel();
    deps_.mark->clear();
    if (membership_ && membership_->joined()) membership_->leave();
    lease_.stop();
    lease_.unbind();
    epochs_.end();
    announcements_.stop();
    resources_.release();
}

void Module::detach() {
    if (resources_.dataPath()) lease_.detach(now());
    *alive_ = false;
    pulseTimer_->cancel();
    lease_.unbind();
    epochs_.detach();
    resources_.detach();  // pins stay: the next safed adopts them
}

// --- the application --------------------------------------------------------

void Module::runStartBoth() {
    activity_ = Activity::StartingApp;
    app_.startBoth([this, alive = alive_](bool ok) {
        if (*alive) onStartBoth(ok);
    });
}

void Module::onStartBoth(bool ok) {
    auto done = std::exchange(startDone_, nullptr);
    if (stopping_) {  // a stop came in while start_both ran: it takes over
        if (done) done(badInput("stopped while starting"));
        return;
    }
    app_.markRunning();  // a failed one too: what it left is stopped by stop_both force
    activity_ = Activity::Idle;
    if (!ok) {
        fail("start_both failed");
        if (done) done(badInput(paths_.name + ": start_both failed"));
        return;
    }
    recovering_ = false;
    app_.startCheckers([this, alive = alive_](const app::CheckVerdict& v) {
        if (*alive) onVerdict(v);
    });
    if (canBeReady()) membership_->setReady(true);  // UP when a committed view gives this node its buckets
    maybeUp();
    if (done) done(success());
}

// SafeKit's `restart`: the application only (stop_both, start_both) while
// the module stays in the farm, owning no bucket meanwhile.
void Module::restartApp(const std::string& why, Done done) {
    if (state_ == ModuleState::Stop || stopping_ || recovering_ || activity_ != Activity::Idle) {
        if (done) done(badInput(paths_.name + " cannot restart now (" + stateName(state_) + ")"));
        return;
    }
    recovering_ = true;
    if (membership_) membership_->setReady(false);
    setState(ModuleState::Wait, why);
    activity_ = Activity::Restarting;
    startDone_ = std::move(done);
    stopApp(false, [this] {
        if (!stopping_) runStartBoth();
    });
}

// stop_both (then force, then kill) if the application runs; `then` after.
void Module::stopApp(bool force, std::function<void()> then) {
    if (app_.running()) activity_ = Activity::StoppingApp;
    app_.stopBoth(force, [alive = alive_, then = std::move(then)] {
        if (*alive) then();
    });
}

// --- stop -------------------------------------------------------------------

void Module::stop(bool force, Done done) {
    if (state_ == ModuleState::Stop && activity_ == Activity::Idle) {
        done(success());
        return;
    }
    if (stopping_) {
        done(badInput(paths_.name + " is already stopping"));
        return;
    }
    stopping_ = true;
    stopDone_ = std::move(done);
    log_.info(MessageId::SF_MODULE_STOP, force ? "forced stop" : "stop");
    // start_both is running: let it finish (onStartBoth sees stopping_),
    // then stop_both cleans up whatever it started.
    if (activity_ == Activity::StartingApp) app_.markRunning();
    const auto& view = epochs_.view();
    bool serving = view && view->contains(plan_.self) && bucketsOwned(epochs_.table(), plan_.self) > 0;
    if (!force && serving && membership_) {
        activity_ = Activity::Draining;
        drain_.begin(now(), config_->user.nicestoptimeout);
        membership_->drain();  // the next view moves the buckets away, in transition
        return;                // the pulse goes on when no flow is left
    }
    stopApp(force, [this] { finishStop(); });
}

// The drain is over (no flow left, or nicestoptimeout): stop_both.
void Module::drained(const std::string& how) {
    log_.info(MessageId::SF_DRAIN, "drained" + how);
    stopApp(false, [this] { finishStop(); });
}

void Module::finishStop() {
    tearDown();
    stopping_ = false;
    activity_ = Activity::Idle;
    setState(ModuleState::Stop, stopReason_.empty() ? "stopped" : stopReason_);
    stopReason_.clear();
    if (auto d = std::exchange(stopDone_, nullptr)) d(success());
}

void Module::fail(const std::string& why) {
    log_.error(MessageId::SF_MODULE_FAILED, why + ": stopping");
    stopReason_ = why;
    stop(true, [](Result<void>) {});
}

}  // namespace safefarm::module
