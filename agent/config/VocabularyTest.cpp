#include "config/Vocabulary.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "RepoPath.h"
#include "common/NetAddr.h"
#include "config/Duration.h"
#include "config/XmlReader.h"

using namespace safefarm;
using namespace safefarm::config;
using test::kRepo;

TEST(VocabularyTest, EveryDefaultIsValidForItsKind) {
    for (const auto& a : attrSpecs()) {
        SCOPED_TRACE(std::string(a.element) + " @" + std::string(a.name));
        ASSERT_NE(findElement(a.element), nullptr);
        if (a.required) {
            EXPECT_TRUE(a.def.empty());
            continue;
        }
        if (a.def.empty()) continue;  // derived (documented in the meaning)
        switch (a.kind) {
            case AttrKind::Bool: EXPECT_TRUE(a.def == "on" || a.def == "off"); break;
            case AttrKind::Int: EXPECT_TRUE(parseUint(a.def)); break;
            case AttrKind::Duration:
                EXPECT_TRUE(parseDuration(a.def, a.unit));
                EXPECT_GT(parseDuration(a.def, a.unit)->count(), 0);
                break;
            case AttrKind::Enum:
                EXPECT_NE(("|" + std::string(a.unit) + "|").find("|" + std::string(a.def) + "|"), std::string::npos);
                break;
            case AttrKind::Port: EXPECT_TRUE(parsePort(a.def)); break;
            case AttrKind::PortSpec: EXPECT_TRUE(parsePortSpec(a.def)); break;
            case AttrKind::Ip: EXPECT_TRUE(parseIp(a.def).ok()); break;
            default: break;
        }
        if (a.kind == AttrKind::Duration) {
            EXPECT_FALSE(a.unit.empty());
        }
    }
}

TEST(VocabularyTest, EveryElementHasItsParentAndNoDuplicates) {
    std::set<std::string_view> paths;
    for (const auto& e : elementSpecs()) {
        EXPECT_TRUE(paths.insert(e.path).second) << e.path;
        auto slash = e.path.rfind('/');
        if (slash != std::string_view::npos) {
            EXPECT_NE(findElement(e.path.substr(0, slash)), nullptr) << e.path;
        }
    }
    std::set<std::string> attrs;
    for (const auto& a : attrSpecs())
        EXPECT_TRUE(attrs.insert(std::string(a.element) + "@" + std::string(a.name)).second) << a.name;
}

TEST(VocabularyTest, ClosestName) {
    EXPECT_EQ(closestName("plse", {"port", "pulse", "quorum"}), "pulse");
    EXPECT_EQ(closestName("virtual_adr", {"virtual_interface", "virtual_addr"}), "virtual_addr");
    EXPECT_EQ(closestName("x", {}), "");
    EXPECT_EQ(childNames("safe/service/farm"), std::vector<std::string_view>{"lan"});
}

// docs/userconfig.md documents every element and attribute with the same
// default, unit and liveness as the table, and nothing else.
TEST(VocabularyTest, DocumentationMatchesTheDefaultsTable) {
    std::ifstream in(kRepo / "docs/userconfig.md");
    ASSERT_TRUE(in);
    std::regex heading(R"(^### `<([a-z_]+)>` — `([a-z_/]+)`)");
    std::regex row(R"(^\| `([a-z_]+)` \| ([^|]*) \| ([^|]*) \| (yes|no) \| )");
    std::string line, element;
    std::set<std::string> docElements;
    std::map<std::string, std::tuple<std::string, std::string, std::string>> docAttrs;
    while (std::getline(in, line)) {
        std::smatch m;
        if (std::regex_search(line, m, heading)) {
            element = m[2];
            EXPECT_TRUE(std::string(m[2]).ends_with(std::string(m[1]))) << line;
            EXPECT_TRUE(docElements.insert(element).second) << "documented twice: " << element;
        } else if (!element.empty() && std::regex_search(line, m, row)) {
            auto key = element + "@" + std::string(m[1]);
            EXPECT_TRUE(docAttrs.emplace(key, std::tuple{m[2], m[3], m[4]}).second) << "documented twice: " << key;
        }
    }
    for (const auto& e : elementSpecs())
        EXPECT_TRUE(docElements.count(std::string(e.path))) << "undocumented element " << e.path;
    EXPECT_EQ(docElements.size(), elementSpecs().size());
    for (const auto& a : attrSpecs()) {
        auto key = std::string(a.element) + "@" + std::string(a.name);
        auto it = docAttrs.find(key);
        if (it == docAttrs.end()) {
            ADD_FAILURE() << "undocumented attribute " << key;
            continue;
        }
        auto [def, unit, live] = it->second;
        std::string expectedDef = a.required ? "required" : a.def.empty() ? "—" : "`" + std::string(a.def) + "`";
        EXPECT_EQ(def, expectedDef) << key;
        EXPECT_EQ(unit, a.kind == AttrKind::Duration ? std::string(a.unit) : "") << key;
        EXPECT_EQ(live, a.live ? "yes" : "no") << key;
    }
    EXPECT_EQ(docAttrs.size(), attrSpecs().size()) << "docs/userconfig.md documents attributes the table lacks";
}
