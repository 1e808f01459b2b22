#include "safed/AgentLog.h"

#include <gtest/gtest.h>

#include <sstream>

namespace safefarm::safed {
namespace {

using control::MessageId;

TEST(AgentLogTest, EachRecordIsOneLineWithItsLevelAndId) {
    std::ostringstream out;
    AgentLog log(out);
    log.info(MessageId::SF_AGENT_START, "serving /run/safefarm/safed.sock (modules: farm )");
    log.warn(MessageId::SF_AGENT_SCHEDULING, "SCHED_RR: Operation not permitted");
    log.error(MessageId::SF_AGENT_CONFIG, "cluster configuration refused:\n  cluster.xml:3: bad");
    EXPECT_EQ(out.str(),
              "safed: I SF_AGENT_START serving /run/safefarm/safed.sock (modules: farm )\n"
              "safed: W SF_AGENT_SCHEDULING SCHED_RR: Operation not permitted\n"
              "safed: E SF_AGENT_CONFIG cluster configuration refused:\\n  cluster.xml:3: bad\n");
}

}  // namespace
}  // namespace safefarm::safed
