// A config folder in /tmp for the tests that read real files (ModuleLoad,
// DiskModuleStore): docs/samples/cluster.xml, and modules made from a
// userconfig.xml with their bin/start_both and bin/stop_both.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace safefarm::safed::testing {

// docs/samples: cluster.xml (node1..node3 on the lan "default") and
// minimal.xml (one VIP, one rule). Read from where the tests run, as the
// other sample tests do (build/tests/unit).
inline std::string sample(const std::string& name) {
    auto repo = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
    std::ifstream in(repo / "docs" / "samples" / name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}
inline const std::string kClusterXml = sample("cluster.xml");
inline const std::string kUserConfigXml = sample("minimal.xml");

inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
    auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
}

class ConfigFolder {
public:
    ConfigFolder() {
        char tmpl[] = "/tmp/safefarm-modules-XXXXXX";
        root_ = ::mkdtemp(tmpl);
        std::filesystem::create_directories(root_ / "modules");
        writeCluster(kClusterXml);
    }
    ~ConfigFolder() { std::filesystem::remove_all(root_); }
    ConfigFolder(const ConfigFolder&) = delete;
    ConfigFolder& operator=(const ConfigFolder&) = delete;

    const std::filesystem::path& root() const { return root_; }
    std::filesystem::path module(const std::string& name) const { return root_ / "modules" / name; }
    void writeCluster(const std::string& text) const { std::ofstream(root_ / "cluster.xml") << text; }
    // modules/NAME/conf/userconfig.xml and its scripts.
    std::filesystem::path writeModule(const std::string& name, const std::string& userconfig) const {
        auto dir = module(name);
        std::filesystem::create_directories(dir / "conf");
        std::filesystem::create_directories(dir / "bin");
        std::ofstream(dir / "conf" / "userconfig.xml") << userconfig;
        for (const char* s : {"start_both", "stop_both"}) {
            std::ofstream(dir / "bin" / s) << "#!/bin/sh\n";
            ::chmod((dir / "bin" / s).c_str(), 0755);
        }
        return dir;
    }

private:
    std::filesystem::path root_;
};

}  // namespace safefarm::safed::testing
