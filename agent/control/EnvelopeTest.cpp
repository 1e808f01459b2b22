#include "control/Envelope.h"

#include <gtest/gtest.h>

namespace safefarm::control {
namespace {

TEST(Envelope, RequestRoundTrip) {
    Request r{"stop", "apache_farm", {{"force", true}}};
    auto back = parseRequest(toJson(r).dump());
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(back->command, "stop");
    EXPECT_EQ(back->module, "apache_farm");
    EXPECT_EQ(back->args, (nlohmann::json{{"force", true}}));
}

TEST(Envelope, RequestModuleAndArgsOptional) {
    auto r = parseRequest(R"({"command":"list-commands"})");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->module, "");
    EXPECT_TRUE(r->args.is_object() && r->args.empty());
}

TEST(Envelope, RequestShapeErrors) {
    EXPECT_EQ(parseRequest("{nope").error().message(), "malformed JSON in request");
    EXPECT_EQ(parseRequest("[1]").error().message(), "request is not a JSON object");
    EXPECT_EQ(parseRequest(R"({"module":"m"})").error().message(), "request has no \"command\" string");
    EXPECT_EQ(parseRequest(R"({"command":""})").error().message(), "request has no \"command\" string");
    EXPECT_EQ(parseRequest(R"({"command":"x","module":3})").error().message(), "request \"module\" is not a string");
    EXPECT_EQ(parseRequest(R"({"command":"x","args":[1]})").error().message(), "request \"args\" is not an object");
}

TEST(Envelope, ReplyRoundTripAndCodes) {
    auto reply = Reply::success("ok", {{"state", "UP"}});
    auto json = toJson(reply);
    EXPECT_EQ(json["result"], 0);
    auto back = parseReply(json.dump());
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->text, "ok");
    EXPECT_EQ(back->arguments["state"], "UP");

    EXPECT_EQ(toJson(Reply::error("no", ResultCode::Forbidden))["result"], 4);
    EXPECT_FALSE(parseReply(R"({"result":9,"text":""})").ok());
    EXPECT_FALSE(parseReply(R"({"text":"x"})").ok());
    EXPECT_TRUE((Reply{ResultCode::Empty, "", {}}.ok()));
    EXPECT_FALSE(Reply::error("x").ok());
    EXPECT_STREQ(resultName(ResultCode::Unsupported), "unsupported");
}

}  // namespace
}  // namespace safefarm::control
