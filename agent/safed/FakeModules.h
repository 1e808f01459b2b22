// Fakes of ModuleManager and ModuleStore, and the threads run in place, for
// the command tests (ModuleCommandsTest, ConfigCommandsTest,
// InstallCommandTest): every command's answer without root, a kernel or
// files. Each records what it was asked.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "safed/CommandTable.h"
#include "safed/ModuleManager.h"
#include "safed/ModuleStore.h"

namespace safefarm::safed::testing {

class FakeModuleManager : public ModuleManager {
public:
    std::map<std::string, RunState> built;  // a module not here was never built
    std::set<std::string> starting;         // busy while its files are read
    std::map<std::string, nlohmann::json> statuses;
    std::map<std::string, std::vector<farm_bucket>> tables;
    Result<void> startResult = success();
    Result<void> stopResult = success();
    Result<void> restartResult = success();
    Result<nlohmann::json> who = nlohmann::json{{"node", "n2"}};
    std::optional<Error> logError;  // the module log cannot be opened

    struct Line {
        std::string module;
        control::Level level;
        control::MessageId id;
        std::string text;
    };
    std::vector<Line> lines;
    std::vector<std::string> calls;  // "start farm", "stop farm force", "restartApp farm: why", "forget farm"
    std::optional<uint16_t> whoPort;

    RunState state(const std::string& m) const override {
        auto it = built.find(m);
        return it == built.end() ? RunState{} : it->second;
    }
    bool busy(const std::string& m) const override { return starting.count(m) || !state(m).stopped(); }
    void start(const std::string& m, Done done) override {
        calls.push_back("start " + m);
        if (startResult) built[m] = RunState{true, module::ModuleState::Wait, module::Activity::Idle, ""};
        done(startResult);
    }
    void stop(const std::string& m, bool force, Done done) override {
        calls.push_back("stop " + m + (force ? " force" : ""));
        if (stopResult) built[m] = RunState{true, module::ModuleState::Stop, module::Activity::Idle, "stopped"};
        done(stopResult);
    }
    void restartApp(const std::string& m, const std::string& why, Done done) override {
        calls.push_back("restartApp " + m + ": " + why);
        done(restartResult);
    }
    std::optional<nlohmann::json> status(const std::string& m) const override {
        auto it = statuses.find(m);
        if (it == statuses.end()) return std::nullopt;
        return it->second;
    }
    std::vector<farm_bucket> table(const std::string& m) const override {
        auto it = tables.find(m);
        return it == tables.end() ? std::vector<farm_bucket>{} : it->second;
    }
    Result<nlohmann::json> whoServes(const std::string&, const IpAddr&, std::optional<uint16_t> port) const override {
        const_cast<FakeModuleManager*>(this)->whoPort = port;
        return who;
    }
    Result<void> log(const std::string& m, control::Level level, control::MessageId id,
                     const std::string& text) override {
        if (logError) return *logError;
        lines.push_back({m, level, id, text});
        return success();
    }
    void forget(const std::string& m) override { calls.push_back("forget " + m); }

    bool logged(control::MessageId id, const std::string& text) const {
        for (const auto& l : lines)
            if (l.id == id && l.text == text) return true;
        return false;
    }
};

class FakeModuleStore : public ModuleStore {
public:
    std::map<std::string, std::map<std::string, std::string>> modules;  // name -> its files
    std::map<std::string, LoadedModule> loads;                          // what load answers (default: loaded)
    std::optional<Error> stageError, replaceError, setAsideError, writeError;
    std::function<void()> onStage;   // runs while an archive "unpacks"
    std::vector<std::string> calls;  // "stage FILE farm", "replace STAGED farm", "discard STAGED", ...
    struct Load {
        std::string module;
        Scope scope;
        std::optional<std::string> userconfig;
    };
    mutable std::vector<Load> loaded;

    std::vector<std::string> list() const override {
        std::vector<std::string> names;
        for (const auto& [name, files] : modules) names.push_back(name);
        return names;
    }
    std::string folder() const override { return "/etc/safefarm/modules"; }
    std::string dir(const std::string& m) const override { return folder() + "/" + m; }
    LoadedModule load(const std::string& m, Scope scope, std::optional<std::string> userconfig) const override {
        loaded.push_back({m, scope, userconfig});
        auto it = loads.find(m);
        return it == loads.end() ? LoadedModule{} : it->second;
    }
    std::map<std::string, std::string> readFiles(const std::string& m) const override {
        auto it = modules.find(m);
        return it == modules.end() ? std::map<std::string, std::string>{} : it->second;
    }
    Result<std::vector<std::string>> writeFiles(const std::string& m,
                                                const std::map<std::string, std::string>& files) override {
        if (writeError) return *writeError;
        std::vector<std::string> names;
        for (const auto& [f, text] : files) {
            modules[m][f] = text;
            names.push_back(f);
        }
        return names;
    }
    Result<std::string> stage(const std::string& file, const std::string& m) override {
        calls.push_back("stage " + file + " " + m);
        if (onStage) onStage();
        if (stageError) return *stageError;
        return folder() + "/." + m + ".new1";
    }
    Result<void> replace(const std::string& staged, const std::string& m) override {
        calls.push_back("replace " + staged + " " + m);
        if (replaceError) return *replaceError;
        modules[m] = {{"conf/userconfig.xml", "<safe/>"}};
        return success();
    }
    void discard(const std::string& staged) override { calls.push_back("discard " + staged); }
    Result<std::string> setAside(const std::string& m) override {
        if (setAsideError) return *setAsideError;
        modules.erase(m);
        return folder() + "/." + m + ".removed1";
    }
    void erase(const std::string& path) override { calls.push_back("erase " + path); }
};

// Both threads run their work in place; `where` says which one runs now,
// so a test sees on which thread a command answered.
struct InPlaceThreads {
    std::string where = "caller";
    std::vector<std::string> hops;

    Threads threads() {
        auto on = [this](std::string name) {
            return [this, name](std::function<void()> work) {
                hops.push_back(name);
                std::string before = where;
                where = name;
                work();
                where = before;
            };
        };
        return Threads{on("modules"), on("transports")};
    }
};

// The one reply to `request` through `registry`, with the thread it came on
// (threads.where) in `answeredOn`.
inline control::Reply callOnce(const control::CommandRegistry& registry, control::Request request,
                               const InPlaceThreads& threads, std::string* answeredOn = nullptr) {
    std::optional<control::Reply> got;
    std::string command = request.command;
    registry.dispatch(std::move(request), [&](control::Reply r) {
        EXPECT_FALSE(got) << command << ": answered twice";
        got = std::move(r);
        if (answeredOn) *answeredOn = threads.where;
    });
    EXPECT_TRUE(got) << command << ": no answer";
    return got.value_or(control::Reply::error("no answer"));
}

}  // namespace safefarm::safed::testing
