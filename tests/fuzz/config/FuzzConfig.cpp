// libFuzzer target for the configuration parsers: the first byte picks
// cluster.xml or userconfig.xml, the rest is the document. Every parse must
// end in a configuration or diagnostics, never a crash, a leak or UB; a
// parsed module is also flattened and diffed against the minimal one.
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/ClusterConfig.h"
#include "config/ConfigDiff.h"
#include "config/ModuleConfig.h"

using namespace safefarm::config;

namespace {

const char kCluster[] = R"(<cluster><lans>
  <lan name="default"><node name="node1" addr="192.168.1.11"/><node name="node2" addr="192.168.1.12"/></lan>
  <lan name="admin"><node name="node1" addr="10.0.0.11"/></lan></lans></cluster>)";

const char kMinimal[] = R"(<safe><service mode="farm"><farm><lan name="default"/></farm><vip><interface_list>
  <interface><virtual_interface><virtual_addr addr="192.168.1.99"/></virtual_interface></interface>
  </interface_list><loadbalancing_list><group name="web"><rule port="80"/></group></loadbalancing_list></vip></service></safe>)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (data[0] & 1) {
        auto parsed = parseClusterText(text, "cluster.xml");
        for (const auto& d : parsed.errors) (void)d.format();
        return 0;
    }
    static const auto cluster = parseClusterText(kCluster, "cluster.xml");
    ParseContext context;
    context.cluster = cluster.config.get();
    context.env = [](const std::string& name) -> std::optional<std::string> {
        if (name == "HOME") return std::string("/root");
        return std::nullopt;
    };
    context.interfaceFamilies = [](const std::string& name) -> std::optional<std::vector<int>> {
        if (name == "eth0") return std::vector<int>{AF_INET, AF_INET6};
        return std::nullopt;
    };
    auto parsed = parseUserConfigText(text, "userconfig.xml", context);
    for (const auto& d : parsed.errors) (void)d.format();
    if (parsed.config) {
        static const auto minimal = parseUserConfigText(kMinimal, "minimal.xml", context);
        if (minimal.config) (void)diffConfigs(*minimal.config, *parsed.config).describe();
    }
    return 0;
}
