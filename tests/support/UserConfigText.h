// userconfig.xml texts the suites start from, and the edit they make to
// them: one copy, shared (config, module and safed tests).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace safefarm::test {

// The smallest valid module: one lan "default", one VIP, one rule. Tests
// name its lines (the <vip> is line 6): edit it by replacing, not by
// adding lines above.
inline const std::string kMinimalUserConfig = R"(<safe>
  <service mode="farm">
  <farm>
    <lan name="default"/>
  </farm>
  <vip>
    <interface_list>
      <interface>
        <virtual_interface>
          <virtual_addr addr="192.168.1.99"/>
        </virtual_interface>
      </interface>
    </interface_list>
    <loadbalancing_list>
      <group name="web">
        <rule port="80"/>
      </group>
    </loadbalancing_list>
  </vip>
  </service>
</safe>
)";

// A module with a value to change in each kind of part: maxloop and a
// checker (live), pulse (needs a restart).
inline const std::string kChangeableUserConfig = R"(<safe>
  <service mode="farm" maxloop="3">
  <farm pulse="100ms"><lan name="default"/></farm>
  <vip><interface_list><interface><virtual_interface><virtual_addr addr="192.168.1.99"/></virtual_interface></interface></interface_list>
  <loadbalancing_list><group name="web"><rule port="80"/></group></loadbalancing_list></vip>
  <check><tcp ident="web"><to addr="127.0.0.1" port="80" timeout="5s"/></tcp></check>
</service></safe>)";

// `text` with its first `from` replaced by `to`; a test failure if there is none.
inline std::string replaced(std::string text, std::string_view from, std::string_view to) {
    auto at = text.find(from);
    if (at == std::string::npos) {
        ADD_FAILURE() << "no '" << from << "' to replace";
        return text;
    }
    return text.replace(at, from.size(), to);
}

}  // namespace safefarm::test
