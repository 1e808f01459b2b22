// A real HttpServer on 127.0.0.1, port 0, on its own io_context thread,
// with a real CommandRegistry whose handlers are fakes, a users file with
// one user and one API key per role, a web folder, and a clock the test
// moves. Shared by the API and TLS tests.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <thread>

#include "RunOn.h"
#include "TempDir.h"
#include "TestClient.h"
#include "control/CommandRegistry.h"
#include "http/HttpServer.h"
#include "http/UserStore.h"

namespace safefarm::http::test {

namespace fs = std::filesystem;
using control::Reply;
using control::Request;
using control::Responder;

// Each role's user (password: name + "-password") and API key.
inline const std::map<Role, std::string> kUserOf = {
    {Role::Monitor, "mon"}, {Role::Control, "ctl"}, {Role::Admin, "adm"}};

class FakeMetrics : public MetricsSource {
public:
    MetricsSnapshot collect() override {
        MetricsSnapshot s;
        s.node = "node1";
        ModuleMetrics m;
        m.module = "farm";
        m.state = "UP";
        m.bucketShare = {{"node1", 1.0}};
        m.packetsByVerdict = {{"pass", 7}};
        s.modules.push_back(m);
        return s;
    }
};

class ApiFixture : public ::testing::Test {
protected:
    // Override before SetUp runs to change what the server is given.
    virtual void adjust(HttpOptions&) {}

    void SetUp() override {
        makeWeb();
        makeUsers();
        makeCommands();

        HttpOptions o;
        o.address = "127.0.0.1";
        o.port = 0;
        o.webRoot = (dir_ / "web").string();
        o.usersFile = (dir_ / "users.json").string();
        o.maxBodyBytes = 64 * 1024;
        o.sessionIdle = std::chrono::seconds(60);
        o.sessionLifetime = std::chrono::seconds(3600);
        o.ioTimeout = std::chrono::seconds(5);
        adjust(o);
        options_ = o;

        HttpHooks hooks;
        hooks.moduleUp = [](const std::string& m) { return m == "farm"; };
        hooks.metrics = &metrics_;
        hooks.serviceAddress = [this](const std::string& a) { return loopbackIsAVip_ && a == "127.0.0.1"; };
        hooks.clock = [this] { return steadyNow() + std::chrono::seconds(offset_.load()); };
        server_ = std::make_unique<HttpServer>(io_, registry_, o, hooks);
        auto started = server_->start();
        ASSERT_TRUE(started.ok()) << started.error().message();
        thread_ = std::thread([this] { io_.run(); });
    }

    void TearDown() override {
        if (thread_.joinable()) {
            onIo([this] { server_->stop(); });
            work_.reset();
            thread_.join();
        }
        server_.reset();
    }

    // Runs f on the server's thread and waits for it.
    template <class F>
    void onIo(F f) {
        runOn(io_, std::move(f));
    }

    void makeWeb() {
        fs::create_directories(dir_ / "web" / "js");
        std::ofstream(dir_ / "web" / "index.html") << "<!doctype html><title>safefarm</title>";
        std::ofstream(dir_ / "web" / "js" / "app.js") << "export const x = 1;";
        std::ofstream(dir_ / "web" / "style.css") << "body { color: black }";
        std::ofstream(dir_ / "web" / "logo.svg") << "<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
        std::ofstream(dir_ / "secret.txt") << "top secret";
        fs::create_symlink(dir_ / "secret.txt", dir_ / "web" / "leak.txt");
    }

    void makeUsers() {
        UserStore users;
        for (const auto& [role, name] : kUserOf) {
            ASSERT_TRUE(users.setUser(name, role, name + "-password", kMinPbkdf2Iterations).ok());
            auto key = users.addApiKey(name + "-key", role);
            ASSERT_TRUE(key.ok());
            keyOf_[role] = key.value();
        }
        ASSERT_TRUE(users.save((dir_ / "users.json").string()).ok());
    }

    void makeCommands() {
        auto ok = [this](const std::string& name) {
            ASSERT_TRUE(
                registry_
                    .add(name, "fake " + name,
                         [this, name](const Request& r, Responder respond) {
                             calls_++;
                             respond(Reply::success(name + " " + r.module, {{"module", r.module}, {"args", r.args}}));
                         })
                    .ok());
        };
        for (const char* c : {"state", "status", "start", "restart", "stopstart", "module-install", "module-remove",
                              "module-list", "config-deploy"})
            ok(c);
        // Answers later, from another thread, as a draining stop does.
        ASSERT_TRUE(registry_
                        .add("stop", "fake stop",
                             [this](const Request& r, Responder respond) {
                                 calls_++;
                                 std::thread([respond, m = r.module] {
                                     std::this_thread::sleep_for(std::chrono::milliseconds(50));
                                     respond(Reply::success(m + ": stopped"));
                                 }).detach();
                             })
                        .ok());
        ASSERT_TRUE(
            registry_
                .add("who", "fails",
                     [](const Request&, Responder respond) { respond(Reply::error("args.client: not an address")); })
                .ok());
        ASSERT_TRUE(registry_
                        .add("logs", "nothing to say",
                             [](const Request&, Responder respond) {
                                 respond(Reply{control::ResultCode::Empty, "no log yet", nlohmann::json::object()});
                             })
                        .ok());
    }

    TestClient client() { return TestClient(server_->port(), clientTls_); }

    struct Login {
        HttpResult result;
        std::string cookie;  // "safefarm_session=..."
        std::string csrf;
    };
    Login login(const std::string& user, const std::string& password) {
        Login l;
        l.result = client().post("/api/v1/login", nlohmann::json{{"user", user}, {"password", password}}.dump(),
                                 {{"Content-Type", "application/json"}});
        auto set = l.result.header("set-cookie");
        l.cookie = set.substr(0, set.find(';'));
        if (auto j = l.result.json(); j.is_object() && j.contains("arguments") && j["arguments"].contains("csrf_token"))
            l.csrf = j["arguments"]["csrf_token"];
        return l;
    }
    Login loginAs(Role role) { return login(kUserOf.at(role), kUserOf.at(role) + "-password"); }

    // A command POST with a session (cookie + CSRF token) or an API key.
    HttpResult postCommand(const std::string& name, const Login& session, const std::string& body = "{}") {
        return client().post("/api/v1/commands/" + name, body,
                             {{"Cookie", session.cookie}, {"X-CSRF-Token", session.csrf}});
    }
    HttpResult postWithKey(const std::string& name, const std::string& key, const std::string& body = "{}") {
        return client().post("/api/v1/commands/" + name, body, {{"Authorization", "Bearer " + key}});
    }

    void advance(std::chrono::seconds s) { offset_ += s.count(); }

    safefarm::test::TempDir tmp_{"safefarm-http"};
    const fs::path dir_ = tmp_.path();
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ = boost::asio::make_work_guard(io_);
    control::CommandRegistry registry_;
    FakeMetrics metrics_;
    HttpOptions options_;
    std::unique_ptr<HttpServer> server_;
    std::thread thread_;
    std::atomic<long long> offset_{0};
    std::atomic<int> calls_{0};
    std::atomic<bool> loopbackIsAVip_{false};  // 127.0.0.1 taken for a module's VIP
    std::map<Role, std::string> keyOf_;
    std::shared_ptr<boost::asio::ssl::context> clientTls_;
};

}  // namespace safefarm::http::test
