#include "config/ClusterKeyPath.h"

#include <gtest/gtest.h>

#include "config/Vocabulary.h"

namespace safefarm::config {
namespace {

TEST(ClusterKeyPathTest, TheDefaultIsTheTablesAndLivesInTheConfigFolder) {
    const AttrSpec* keyfile = nullptr;
    for (const auto& a : attrSpecs())
        if (a.element == "safe/service/farm" && a.name == "keyfile") keyfile = &a;
    ASSERT_NE(keyfile, nullptr);
    EXPECT_EQ(keyfile->def, kDefaultClusterKeyPath);
    EXPECT_EQ(clusterKeyPath("/etc/safefarm"), kDefaultClusterKeyPath);
}

TEST(ClusterKeyPathTest, TheDefaultKeyFollowsTheConfigFolderAnotherStaysWhereItIs) {
    EXPECT_EQ(moduleKeyPath(kDefaultClusterKeyPath, "/tmp/lab/n1"), "/tmp/lab/n1/cluster.key");
    EXPECT_EQ(moduleKeyPath("/srv/keys/web.key", "/tmp/lab/n1"), "/srv/keys/web.key");
}

}  // namespace
}  // namespace safefarm::config
