// safed's command line: where its configuration, state, logs and socket
// live (FHS defaults; the lab points them into its own folders).
#pragma once

#include <cstdint>
#include <string>

#include "http/HttpOptions.h"

namespace safefarm::safed {

struct Options {
    std::string configDir = "/etc/safefarm";  // cluster.xml, cluster.key, modules/<name>/
    std::string varDir = "/var/lib/safefarm";
    std::string logDir = "/var/log/safefarm";
    std::string socket = "/run/safefarm/safed.sock";
    std::string node;                // this node's name in cluster.xml; empty: by address
    std::string instance = "safed";  // names the BPF pin folders: <instance>_<module>
    std::string xdpMode = "auto";    // auto | native | skb
    std::string bpffs = "/sys/fs/bpf";
    std::string safeDir;  // $SAFE: where `safekit` lives; default: safed's folder
    bool foreground = true;

    // The control API and web console (agent/http), SafeKit's port 9010.
    bool http = true;
    // auto: HTTPS with api.tlsCertFile/tlsKeyFile, or without them with a
    // certificate made once in <config-dir>/tls/ (docs/security.md
    // "Defaults"); off: plain HTTP (behind a TLS proxy). Calls between
    // nodes are TLS either way (http/PeerTls.h).
    std::string tls = "auto";
    // SCHED_RR priority of the modules' thread (Realtime.h), taken once the
    // modules are resumed: a start that loads and verifies BPF programs at
    // RT priority starved the whole node (the lab's restart waits of 512-967
    // ms). 0: normal scheduling.
    int rtPriority = 10;
    // Where the API listens, its files, TLS and limits (http/HttpOptions.h
    // holds every default); usersFile "" means <config-dir>/users.json.
    http::HttpOptions api = [] {
        http::HttpOptions o;
        o.usersFile.clear();
        return o;
    }();
};

}  // namespace safefarm::safed
