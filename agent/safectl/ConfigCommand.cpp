#include "safectl/ConfigCommand.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "config/ClusterConfig.h"
#include "config/ModuleConfig.h"

namespace safefarm::safectl {

namespace fs = std::filesystem;
using namespace safefarm::config;

namespace {

bool printErrors(const Diagnostics& errors, std::ostream& err) {
    err << formatAll(errors);
    return errors.empty();
}

// A file whose root element is <cluster> is a cluster.xml, whatever its name.
bool looksLikeCluster(const fs::path& file) {
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto start = text.find('<');
    while (start != std::string::npos && (text.compare(start, 2, "<?") == 0 || text.compare(start, 2, "<!") == 0))
        start = text.find('<', start + 1);
    return start != std::string::npos && text.compare(start, 8, "<cluster") == 0;
}

}  // namespace

int configCheck(const ConfigCheckOptions& options, std::ostream& out, std::ostream& err) {
    bool ok = true;
    auto checkCluster = [&](const std::string& file) -> ClusterParse {
        auto parsed = parseClusterFile(file);
        if (printErrors(parsed.errors, err))
            out << "OK " << file << "\n";
        else
            ok = false;
        return parsed;
    };

    fs::path target = options.target;
    std::error_code ec;
    if (!options.target.empty() && fs::is_regular_file(target, ec) && looksLikeCluster(target)) {
        checkCluster(target.string());
        return ok ? 0 : 1;
    }

    ClusterParse cluster = checkCluster(options.clusterFile);

    // The modules to check, as module folders (conf/userconfig.xml inside) or bare files.
    std::vector<std::pair<std::string, std::string>> modules;  // (userconfig file, module dir or "")
    if (options.target.empty()) {
        if (fs::is_directory(options.modulesDir, ec))
            for (const auto& entry : fs::directory_iterator(options.modulesDir, ec))
                if (fs::exists(entry.path() / "conf" / "userconfig.xml"))
                    modules.emplace_back((entry.path() / "conf" / "userconfig.xml").string(), entry.path().string());
        std::sort(modules.begin(), modules.end());
    } else if (fs::is_directory(target, ec)) {
        modules.emplace_back((target / "conf" / "userconfig.xml").string(), target.string());
    } else if (fs::is_regular_file(target, ec)) {
        fs::path conf = fs::absolute(target).parent_path();
        std::string dir = conf.filename() == "conf" ? conf.parent_path().string() : "";
        modules.emplace_back(target.string(), dir);
    } else if (options.target.find('/') == std::string::npos) {
        fs::path dir = fs::path(options.modulesDir) / options.target;
        if (!fs::is_directory(dir, ec)) {
            err << "safectl: no module '" << options.target << "' in " << options.modulesDir
                << " and no such file or folder\n";
            return 1;
        }
        modules.emplace_back((dir / "conf" / "userconfig.xml").string(), dir.string());
    } else {
        err << "safectl: " << options.target << ": no such file or folder\n";
        return 1;
    }

    for (const auto& [file, dir] : modules) {
        ParseContext context;
        context.cluster = cluster.config.get();
        context.moduleDir = dir;
        if (options.probeInterfaces) context.interfaceFamilies = systemInterfaceFamilies;
        auto parsed = parseUserConfigFile(file, context);
        printErrors(parsed.warnings, err);  // "...: warning: ...": taken all the same
        if (printErrors(parsed.errors, err)) {
            out << "OK " << file << (cluster.config ? "" : " (lan and host names not checked: cluster.xml invalid)")
                << "\n";
        } else {
            ok = false;
        }
    }
    return ok ? 0 : 1;
}

}  // namespace safefarm::safectl
