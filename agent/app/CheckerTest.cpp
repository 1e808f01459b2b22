// The Checker contract, as the module relies on it, shown on the fake the
// module's tests use.
#include "app/Checker.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "FakeChecker.h"

namespace safefarm::app {
namespace {

TEST(CheckerFake, ReportsOnlyWhileStarted) {
    std::vector<CheckVerdict> got;
    std::unique_ptr<Checker> c =
        std::make_unique<test::FakeChecker>("web", [&](const CheckVerdict& v) { got.push_back(v); });
    auto& fake = static_cast<test::FakeChecker&>(*c);
    EXPECT_FALSE(fake.report(true));
    c->start();
    EXPECT_TRUE(fake.report(false, "refused"));
    c->stop();
    EXPECT_FALSE(fake.report(true));
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].ident, "web");
    EXPECT_FALSE(got[0].ok);
    EXPECT_EQ(got[0].detail, "refused");
    EXPECT_EQ(fake.starts, 1);
    EXPECT_EQ(fake.stops, 1);
}

}  // namespace
}  // namespace safefarm::app
