#include "control/CommandRegistry.h"

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>

namespace safefarm::control {
namespace {

// Collects every reply a dispatch produces (there must be exactly one).
struct Replies {
    std::vector<Reply> got;
    Responder responder() {
        return [this](Reply r) { got.push_back(std::move(r)); };
    }
};

TEST(Registry, DispatchesToTheHandler) {
    CommandRegistry reg;
    ASSERT_TRUE(reg.add("state", "the state",
                        [](const Request& r, Responder respond) {
                            respond(Reply::success(r.module + " UP", {{"state", "UP"}}));
                        })
                    .ok());
    Replies replies;
    reg.dispatch({"state", "m", {}}, replies.responder());
    ASSERT_EQ(replies.got.size(), 1u);
    EXPECT_EQ(replies.got[0].result, ResultCode::Success);
    EXPECT_EQ(replies.got[0].text, "m UP");
}

TEST(Registry, UnknownCommandListsTheKnownOnes) {
    CommandRegistry reg;
    (void)reg.add("stop", "", [](const Request&, Responder r) { r(Reply::success("")); });
    (void)reg.add("start", "", [](const Request&, Responder r) { r(Reply::success("")); });
    Replies replies;
    reg.dispatch({"stpo", "", {}}, replies.responder());
    ASSERT_EQ(replies.got.size(), 1u);
    EXPECT_EQ(replies.got[0].result, ResultCode::Unsupported);
    EXPECT_EQ(replies.got[0].text, "unknown command 'stpo'; known: list-commands, start, stop");
    EXPECT_EQ(replies.got[0].arguments["commands"], (nlohmann::json{"list-commands", "start", "stop"}));
}

TEST(Registry, DuplicateAndEmptyRefused) {
    CommandRegistry reg;
    EXPECT_FALSE(reg.add("list-commands", "", [](const Request&, Responder) {}).ok());
    EXPECT_FALSE(reg.add("", "", [](const Request&, Responder) {}).ok());
    EXPECT_FALSE(reg.add("x", "", nullptr).ok());
}

TEST(Registry, ListCommandsBuiltIn) {
    CommandRegistry reg;
    (void)reg.add("stop", "stop a module", [](const Request&, Responder r) { r(Reply::success("")); });
    Replies replies;
    reg.dispatch({"list-commands", "", {}}, replies.responder());
    ASSERT_EQ(replies.got.size(), 1u);
    auto commands = replies.got[0].arguments["commands"];
    ASSERT_EQ(commands.size(), 2u);
    EXPECT_EQ(commands[1], (nlohmann::json{{"name", "stop"}, {"help", "stop a module"}}));
}

TEST(Registry, AnswersLaterAndOnlyOnce) {
    CommandRegistry reg;
    Responder kept;
    (void)reg.add("stop", "", [&](const Request&, Responder r) { kept = r; });  // answers after the drain
    Replies replies;
    reg.dispatch({"stop", "m", {}}, replies.responder());
    EXPECT_TRUE(replies.got.empty());
    Responder copy = kept;
    kept(Reply::success("stopped"));
    copy(Reply::error("again"));  // ignored: one request, one reply
    kept = nullptr;
    copy = nullptr;
    ASSERT_EQ(replies.got.size(), 1u);
    EXPECT_EQ(replies.got[0].text, "stopped");
}

TEST(Registry, DroppedResponderAnswersError) {
    CommandRegistry reg;
    (void)reg.add("lost", "", [](const Request&, Responder) {});
    Replies replies;
    reg.dispatch({"lost", "", {}}, replies.responder());
    ASSERT_EQ(replies.got.size(), 1u);
    EXPECT_EQ(replies.got[0].result, ResultCode::Error);
    EXPECT_EQ(replies.got[0].text, "command 'lost' ended without a reply");
}

// What a handler threw stays in safed's log: the caller gets our words,
// never a library's internals.
TEST(Registry, ThrowingHandlerAnswersErrorInItsOwnWords) {
    CommandRegistry reg;
    (void)reg.add("boom", "", [](const Request&, Responder) { throw std::runtime_error("secret detail"); });
    (void)reg.add("stop", "", [](const Request& r, Responder respond) {
        respond(Reply::success(r.args.value("force", false) ? "forced" : "drained"));
    });
    Replies replies;
    reg.dispatch({"boom", "", {}}, replies.responder());
    reg.dispatch({"stop", "", {{"force", "yes"}}}, replies.responder());
    ASSERT_EQ(replies.got.size(), 2u);
    EXPECT_EQ(replies.got[0].result, ResultCode::Error);
    EXPECT_EQ(replies.got[0].text, "command 'boom' failed: internal error (safed's log says more)");
    EXPECT_EQ(replies.got[1].result, ResultCode::Error);
    EXPECT_EQ(replies.got[1].text, "command 'stop': an argument is missing or of the wrong type");
}

}  // namespace
}  // namespace safefarm::control
