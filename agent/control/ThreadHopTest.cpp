#include "control/ThreadHop.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <future>
#include <thread>

namespace safefarm::control {
namespace {

namespace asio = boost::asio;

// The modules' thread (the heartbeat's) and the transports' thread, each
// with its own io_context.
struct TwoThreads {
    asio::io_context modules, transports;
    asio::executor_work_guard<asio::io_context::executor_type> keepModules = asio::make_work_guard(modules);
    asio::executor_work_guard<asio::io_context::executor_type> keepTransports = asio::make_work_guard(transports);
    std::thread modulesThread{[this] { modules.run(); }};
    std::thread transportsThread{[this] { transports.run(); }};
    ~TwoThreads() {
        keepModules.reset();
        keepTransports.reset();
        modules.stop();
        transports.stop();
        modulesThread.join();
        transportsThread.join();
    }
    // Dispatches on the transports' thread, as a transport does; the reply
    // and the thread it came back on.
    std::pair<Reply, std::thread::id> ask(const CommandRegistry& reg, Request r) {
        std::promise<std::pair<Reply, std::thread::id>> done;
        asio::post(transports, [&] {
            reg.dispatch(r, [&](Reply reply) { done.set_value({std::move(reply), std::this_thread::get_id()}); });
        });
        return done.get_future().get();
    }
};

TEST(ThreadHop, CommandsRunOnTheModulesThreadAndAnswerOnTheCallers) {
    TwoThreads t;
    CommandRegistry modules;
    std::thread::id ranOn;
    ASSERT_TRUE(modules
                    .add("state", "the state",
                         [&](const Request& r, Responder respond) {
                             ranOn = std::this_thread::get_id();
                             respond(Reply::success(r.module + " UP"));
                         })
                    .ok());
    CommandRegistry transports;
    hopTo(modules, t.modules.get_executor(), t.transports.get_executor(), transports);
    EXPECT_TRUE(transports.has("state"));
    EXPECT_EQ(transports.list().size(), modules.list().size());

    auto [reply, answeredOn] = t.ask(transports, {"state", "m", {}});
    EXPECT_EQ(reply.result, ResultCode::Success);
    EXPECT_EQ(reply.text, "m UP");
    EXPECT_EQ(ranOn, t.modulesThread.get_id());
    EXPECT_EQ(answeredOn, t.transportsThread.get_id());
}

// A command that never answers (its handler dropped the responder) still
// answers an error, on the caller's thread.
TEST(ThreadHop, AHandlerThatDropsTheResponderStillAnswers) {
    TwoThreads t;
    CommandRegistry modules;
    ASSERT_TRUE(modules.add("lost", "", [](const Request&, Responder) {}).ok());
    CommandRegistry transports;
    hopTo(modules, t.modules.get_executor(), t.transports.get_executor(), transports);
    auto [reply, answeredOn] = t.ask(transports, {"lost", "", {}});
    EXPECT_EQ(reply.result, ResultCode::Error);
    EXPECT_EQ(answeredOn, t.transportsThread.get_id());
}

// The point of the hop: the transports' thread keeps answering (here: a
// command of its own) while the modules' thread is busy, and the other way
// round, work queued on the transports' thread never delays the modules'.
TEST(ThreadHop, ABusyThreadHoldsUpOnlyItself) {
    TwoThreads t;
    std::promise<void> release;
    auto released = release.get_future().share();
    CommandRegistry modules;
    ASSERT_TRUE(modules
                    .add("slow", "",
                         [released](const Request&, Responder respond) {
                             released.wait();
                             respond(Reply::success("slow done"));
                         })
                    .ok());
    CommandRegistry transports;
    hopTo(modules, t.modules.get_executor(), t.transports.get_executor(), transports);
    std::promise<Reply> slow;
    asio::post(t.transports, [&] { transports.dispatch({"slow", "", {}}, [&](Reply r) { slow.set_value(r); }); });
    // The modules' thread is held by "slow"; list-commands, answered on
    // the transports' thread, is not.
    auto [list, on] = t.ask(transports, {"list-commands", "", {}});
    EXPECT_EQ(list.result, ResultCode::Success);
    EXPECT_EQ(on, t.transportsThread.get_id());

    // Now the transports' thread is the busy one: the modules' runs on.
    std::promise<void> releaseTransports;
    auto transportsReleased = releaseTransports.get_future().share();
    asio::post(t.transports, [transportsReleased] { transportsReleased.wait(); });
    release.set_value();  // "slow" answers; its reply waits for the transports' thread
    std::promise<std::thread::id> pulse;
    asio::post(t.modules, [&] { pulse.set_value(std::this_thread::get_id()); });
    auto f = pulse.get_future();
    ASSERT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready) << "the modules' thread waited";
    EXPECT_EQ(f.get(), t.modulesThread.get_id());
    releaseTransports.set_value();
    EXPECT_EQ(slow.get_future().get().text, "slow done");
}

}  // namespace
}  // namespace safefarm::control
