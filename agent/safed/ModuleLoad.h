// A module's files read and checked, once for every reader: a start, the
// console's config-check and config-deploy, `module install` and the status
// of a module never started. Each asks for as much as it needs (Scope), so
// a module one of them refuses is refused by the others with the same lines.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/ClusterConfig.h"
#include "config/ModuleConfig.h"
#include "module/FarmPlan.h"

namespace safefarm::safed {

enum class Scope {
    // userconfig.xml against cluster.xml (lan and host names, scripts).
    Parse,
    // And the farm's plan as one of its nodes would make it, without this
    // node's network (which node this is, its interfaces, the subnet that
    // holds the VIP): `module install`, since an example module is installed
    // to be edited here (docs/man/safed.8 EXAMPLE).
    AnyNode,
    // Everything a start checks: the interfaces named exist here, and the
    // plan is this node's.
    ThisNode,
};

struct ModuleChecks {
    std::string clusterFile;  // cluster.xml, read afresh
    Scope scope = Scope::ThisNode;
    // An edit not yet written, checked in place of <dir>/conf/userconfig.xml.
    std::optional<std::string> userconfig;
    // ThisNode: this node's name in cluster.xml (empty: found by its
    // addresses), and how the machine is seen (tests give their own).
    std::string node;
    std::function<std::optional<std::vector<int>>(const std::string&)> interfaceFamilies =
        config::systemInterfaceFamilies;
    std::function<std::vector<module::LocalAddr>()> localAddresses = module::localAddresses;
};

struct LoadedModule {
    enum class Step { Loaded, Cluster, Config, Plan };
    Step refusedAt = Step::Loaded;
    // Why it was refused, one entry each (config-check's "errors").
    std::vector<std::string> errors;
    std::shared_ptr<const config::ClusterConfig> cluster;
    std::shared_ptr<const config::ModuleConfig> config;
    std::optional<module::FarmPlan> plan;  // ThisNode: this node's; AnyNode: the farm's first node's

    bool ok() const { return errors.empty(); }
    // "WHAT refused:" then each error on its own indented line.
    std::string refusal(const std::string& what) const;
};

LoadedModule loadModule(const std::string& dir, const ModuleChecks& checks);

// cluster.xml alone, as loadModule reads it: its errors in one message.
Result<std::shared_ptr<const config::ClusterConfig>> readCluster(const std::string& file);

}  // namespace safefarm::safed
