// cluster.xml: the nodes and networks of the cluster, as parsed and checked.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/NetAddr.h"
#include "config/Diagnostic.h"

namespace safefarm::config {

struct ClusterNode {
    std::string name;
    IpAddr addr;
};

struct ClusterLan {
    std::string name;
    std::vector<ClusterNode> nodes;
};

struct ClusterConfig {
    std::string file;
    std::vector<ClusterLan> lans;

    const ClusterLan* findLan(std::string_view name) const;
};

// Either the whole configuration (errors empty) or every error (config null).
struct ClusterParse {
    std::shared_ptr<const ClusterConfig> config;
    Diagnostics errors;
};

ClusterParse parseClusterText(std::string_view text, const std::string& fileName);
ClusterParse parseClusterFile(const std::string& fileName);

}  // namespace safefarm::config
