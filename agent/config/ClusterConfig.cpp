#include "config/ClusterConfig.h"

#include <fstream>
#include <map>
#include <sstream>

#include "config/XmlReader.h"

namespace safefarm::config {

const ClusterLan* ClusterConfig::findLan(std::string_view name) const {
    for (const auto& lan : lans)
        if (lan.name == name) return &lan;
    return nullptr;
}

ClusterParse parseClusterText(std::string_view text, const std::string& fileName) {
    // cluster.xml has no macros; the environment is not consulted either.
    XmlReader reader(fileName, text, nullptr);
    auto root = reader.root("cluster");
    if (!root) return {nullptr, reader.takeErrors()};
    reader.checkVocabulary(*root);

    auto config = std::make_shared<ClusterConfig>();
    config->file = fileName;
    std::map<std::string, std::string> lanNames;   // name -> path of first
    std::map<std::string, std::string> addrOwner;  // formatted addr -> node name
    if (auto lans = root->child("lans")) {
        for (const auto& lanElem : lans->children("lan")) {
            ClusterLan lan{lanElem.str("name"), {}};
            if (!lanNames.emplace(lan.name, XmlReader::path(lanElem.node())).second)
                lanElem.error("duplicate lan name '" + lan.name + "' (first at " + lanNames[lan.name] + ")");
            std::map<std::string, bool> nodeNames;
            for (const auto& nodeElem : lanElem.children("node")) {
                ClusterNode node{nodeElem.str("name"), nodeElem.ip("addr").value_or(IpAddr{})};
                if (!nodeNames.emplace(node.name, true).second)
                    nodeElem.error("duplicate node name '" + node.name + "' in lan '" + lan.name + "'");
                if (node.addr.family != 0) {
                    auto [it, fresh] = addrOwner.emplace(formatIp(node.addr), node.name);
                    if (!fresh)
                        nodeElem.error("address " + it->first + " is already node '" + it->second +
                                       "' in this cluster: every address must be unique");
                }
                lan.nodes.push_back(std::move(node));
            }
            config->lans.push_back(std::move(lan));
        }
    }
    if (reader.failed()) return {nullptr, reader.takeErrors()};
    return {std::move(config), {}};
}

ClusterParse parseClusterFile(const std::string& fileName) {
    std::ifstream in(fileName, std::ios::binary);
    if (!in) return {nullptr, {Diagnostic{fileName, 0, "", "cannot read the file"}}};
    std::ostringstream text;
    text << in.rdbuf();
    return parseClusterText(text.str(), fileName);
}

}  // namespace safefarm::config
