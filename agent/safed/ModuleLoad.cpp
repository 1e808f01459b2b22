#include "safed/ModuleLoad.h"

#include <sys/socket.h>

namespace safefarm::safed {

namespace {

// Scope::AnyNode: the plan of the farm's first node on a machine where an
// interface holds the VIP's subnet, so every check of the plan runs but
// those of this machine's network.
Result<module::FarmPlan> anyNodePlan(const config::ModuleConfig& config, const config::ClusterConfig& cluster) {
    auto nodes = module::farmNodes(config, cluster);
    if (!nodes) return nodes.error();
    std::vector<module::LocalAddr> standIn;
    for (const auto& intf : config.vip.interfaces)
        for (const auto& vi : intf.virtualInterfaces)
            if (!vi.addrs.empty() && standIn.empty()) {
                // The VIP's neighbour on a /31 (/127): an address of its subnet, not the VIP.
                IpAddr neighbour = vi.addrs[0].addr;
                auto* bytes = reinterpret_cast<uint8_t*>(neighbour.words.data());
                bool v4 = neighbour.family == AF_INET;
                bytes[v4 ? 3 : 15] ^= 1;
                standIn.push_back(module::LocalAddr{"(any node's)", neighbour, v4 ? 31 : 127});
            }
    return module::makeFarmPlan(config, cluster, nodes.value().empty() ? "" : nodes.value()[0].name, standIn);
}

}  // namespace

Result<std::shared_ptr<const config::ClusterConfig>> readCluster(const std::string& file) {
    auto parsed = config::parseClusterFile(file);
    if (parsed.config) return std::shared_ptr<const config::ClusterConfig>(parsed.config);
    std::string all;
    for (const auto& e : parsed.errors) all += "\n  " + e.format();
    return badInput("cluster configuration refused:" + all);
}

std::string LoadedModule::refusal(const std::string& what) const {
    std::string out = what + " refused:";
    for (const auto& e : errors) out += "\n  " + e;
    return out;
}

LoadedModule loadModule(const std::string& dir, const ModuleChecks& checks) {
    LoadedModule out;
    auto refuse = [&out](LoadedModule::Step step, std::vector<std::string> errors) {
        out.refusedAt = step;
        out.errors = std::move(errors);
        return out;
    };
    auto cluster = readCluster(checks.clusterFile);
    if (!cluster) return refuse(LoadedModule::Step::Cluster, {cluster.error().message()});
    out.cluster = cluster.value();

    config::ParseContext ctx;
    ctx.cluster = out.cluster.get();
    ctx.moduleDir = dir;
    if (checks.scope == Scope::ThisNode) ctx.interfaceFamilies = checks.interfaceFamilies;
    auto parsed = checks.userconfig ? config::parseUserConfigText(*checks.userconfig, "userconfig.xml", ctx)
                                    : config::parseUserConfigFile(dir + "/conf/userconfig.xml", ctx);
    if (!parsed.config) {
        std::vector<std::string> errors;
        for (const auto& e : parsed.errors) errors.push_back(e.format());
        return refuse(LoadedModule::Step::Config, std::move(errors));
    }
    out.config = parsed.config;
    if (checks.scope == Scope::Parse) return out;

    auto plan = checks.scope == Scope::ThisNode
                    ? module::makeFarmPlan(*out.config, *out.cluster, checks.node, checks.localAddresses())
                    : anyNodePlan(*out.config, *out.cluster);
    if (!plan) return refuse(LoadedModule::Step::Plan, {plan.error().message()});
    out.plan = std::move(plan.value());
    return out;
}

}  // namespace safefarm::safed
