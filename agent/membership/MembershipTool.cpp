// safefarm-membership: the membership protocol alone on a node, for the lab
// test and for operators trying a cluster key or a lan. Prints one JSON line
// per committed view, and the counters on SIGUSR1 and at exit (SIGTERM/INT).
//
//   safefarm-membership --id 1 --key /etc/safefarm/cluster.key
//       --incarnation-file /var/lib/safefarm/incarnation
//       --lan 1=198.18.0.11,2=198.18.0.12,3=198.18.0.13 [--lan …] [--port 5405]
//       [--pulse-ms 50] [--slost 4] [--mlost 5] [--quorum none|majority]
//       [--weight 1] [--not-ready]
// Each --lan lists every node of that lan as id=address, this node included
// (its own address is where it binds).
//
// For the lab test of replay protection (an attacker who records datagrams
// on the wire and sends them again):
//   --capture FILE                 also append every datagram sent: "ADDR hex"
//   safefarm-membership --replay FILE [--port 5405]
//                                  send every recorded datagram again to its
//                                  address, from wherever it runs; exits.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "config/FarmDefaults.h"
#include "membership/Ownership.h"
#include "membership/Persist.h"
#include "membership/UdpTransport.h"

using namespace safefarm;
using namespace safefarm::membership;
namespace asio = boost::asio;

namespace {

// The counters, and the configured peers whose datagrams were refused
// (docs/design.md "Misconfigured peers").
nlohmann::json countersJson(const Membership& m, const UdpTransport& t) {
    const Counters& c = m.counters();
    auto now = UdpTransport::monotonicNow();
    nlohmann::json refused = nlohmann::json::array();
    for (const auto& r : m.refusedPeers(now))
        refused.push_back({{"id", r.id},
                           {"reason", refusalName(r.reason)},
                           {"count", r.count},
                           {"ms_ago", r.msAgo},
                           {"version_seen", r.versionSeen},
                           {"buckets_seen", r.bucketsSeen},
                           {"current", r.current}});
    return {{"event", "counters"},
            {"received", c.received},
            {"accepted", c.accepted},
            {"sent", c.sent},
            {"forged", c.forged},
            {"replayed", c.replayed},
            {"stale", c.stale},
            {"truncated", c.truncated},
            {"malformed", c.malformed},
            {"bad_length", c.badLength},
            {"bad_magic", c.badMagic},
            {"bad_version", c.badVersion},
            {"unknown_sender", c.unknownSender},
            {"from_self", c.fromSelf},
            {"unknown_source", t.unknownSource()},
            {"proposals", c.proposals},
            {"commits", c.commits},
            {"installs", c.installs},
            {"exclusions", c.exclusions},
            {"lan_down", c.lanDown},
            {"peer_deaths", c.peerDeaths},
            {"misdirected", c.misdirected},
            {"refused_key", c.refusedKey},
            {"refused_wire_version", c.refusedWireVersion},
            {"refused_bucket_algorithm", c.refusedBucketAlgorithm},
            {"misconfigured_blocks", c.misconfiguredBlocks},
            {"blocked_by_misconfigured_peers", m.blockedByMisconfiguredPeers()},
            {"refused_peers", refused}};
}

// Sends every datagram recorded by --capture to its address again.
int replay(const std::string& file, uint16_t port) {
    std::ifstream in(file);
    if (!in) {
        std::cerr << "safefarm-membership: cannot read " << file << "\n";
        return 1;
    }
    asio::io_context io;
    asio::ip::udp::socket sock(io);
    sock.open(asio::ip::udp::v4());
    std::string addr, hex;
    size_t sent = 0;
    while (in >> addr >> hex) {
        std::vector<uint8_t> bytes;
        for (size_t i = 0; i + 1 < hex.size(); i += 2)
            bytes.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
        boost::system::error_code ec;
        auto a = asio::ip::make_address(addr, ec);
        if (ec) continue;
        sock.send_to(asio::buffer(bytes), asio::ip::udp::endpoint(a, port), 0, ec);
        if (!ec) sent++;
    }
    std::printf("{\"event\":\"replayed\",\"datagrams\":%zu}\n", sent);
    return 0;
}

void emit(const nlohmann::json& j) {
    std::printf("%s\n", j.dump().c_str());
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"safefarm-membership: the membership protocol alone on a node"};
    // The timing of a module's <farm> by default: the defaults table's.
    const auto timing = safefarm::config::defaultFarmTiming();
    int id = -1, port = 5405, weight = 1;
    int pulseMs = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(timing.pulse).count());
    int slost = static_cast<int>(timing.slostCount), mlost = static_cast<int>(timing.mlostCount);
    std::string keyFile, incFile, quorum = "none";
    std::vector<std::string> lanSpecs;
    bool notReady = false;
    std::string captureFile, replayFile;
    app.add_option("--id", id, "this node's id (0..254)")->check(CLI::Range(0, 254));
    app.add_option("--key", keyFile, "cluster key file (mode 0600)");
    app.add_option("--incarnation-file", incFile, "where the incarnation is kept");
    app.add_option("--lan", lanSpecs, "id=addr,id=addr,... for one lan (repeat per lan)");
    app.add_option("--capture", captureFile, "append every datagram sent to this file");
    app.add_option("--replay", replayFile, "send the datagrams of a --capture file again, then exit");
    app.add_option("--port", port, "UDP port")->check(CLI::Range(1, 65535));
    app.add_option("--pulse-ms", pulseMs, "<farm pulse>, in ms")->check(CLI::Range(10, 60000))->capture_default_str();
    app.add_option("--slost", slost, "<farm slost_count>")->check(CLI::Range(2, 1000))->capture_default_str();
    app.add_option("--mlost", mlost, "<farm mlost_count>: pulses to acknowledge a proposed view")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    app.add_option("--quorum", quorum)->check(CLI::IsMember({"none", "majority"}));
    app.add_option("--weight", weight)->check(CLI::Range(0, 1000000));
    app.add_flag("--not-ready", notReady, "announce NotReady (owns no bucket)");
    CLI11_PARSE(app, argc, argv);
    if (!replayFile.empty()) return replay(replayFile, static_cast<uint16_t>(port));
    if (id < 0 || keyFile.empty() || incFile.empty() || lanSpecs.empty()) {
        std::cerr << "safefarm-membership: --id, --key, --incarnation-file and --lan are required\n";
        return 2;
    }

    auto key = loadClusterKey(keyFile);
    if (!key) {
        std::cerr << "safefarm-membership: " << key.error().message() << "\n";
        return 1;
    }
    auto inc = bumpIncarnation(incFile);
    if (!inc) {
        std::cerr << "safefarm-membership: " << inc.error().message() << "\n";
        return 1;
    }
    auto mac = Hmac::create(key.value());
    if (!mac) {
        std::cerr << "safefarm-membership: " << mac.error().message() << "\n";
        return 1;
    }

    MembershipConfig cfg;
    cfg.self = static_cast<uint8_t>(id);
    cfg.pulse = std::chrono::milliseconds(pulseMs);
    cfg.slostCount = static_cast<uint32_t>(slost);
    cfg.ackTimeoutPulses = static_cast<uint32_t>(mlost);  // as safed reads <farm mlost_count>
    cfg.quorum = quorum == "majority" ? QuorumPolicy::Majority : QuorumPolicy::None;
    cfg.incarnation = inc.value();
    cfg.weight = static_cast<uint32_t>(weight);
    cfg.ready = !notReady;
    std::vector<LanEndpoints> lans;
    for (const auto& spec : lanSpecs) {
        LanEndpoints lan;
        bool haveSelf = false;
        std::stringstream ss(spec);
        std::string item;
        while (std::getline(ss, item, ',')) {
            auto eq = item.find('=');
            boost::system::error_code ec;
            auto addr = asio::ip::make_address(eq == std::string::npos ? "" : item.substr(eq + 1), ec);
            int node = eq == std::string::npos ? -1 : std::atoi(item.substr(0, eq).c_str());
            if (ec || node < 0 || node > 254) {
                std::cerr << "safefarm-membership: bad --lan item '" << item << "' (want id=address)\n";
                return 2;
            }
            asio::ip::udp::endpoint ep(addr, static_cast<uint16_t>(port));
            if (node == id) {
                lan.local = ep;
                haveSelf = true;
            } else {
                lan.peers[static_cast<uint8_t>(node)] = ep;
            }
            if (std::find(cfg.nodes.begin(), cfg.nodes.end(), node) == cfg.nodes.end())
                cfg.nodes.push_back(static_cast<uint8_t>(node));
        }
        if (!haveSelf) {
            std::cerr << "safefarm-membership: --lan '" << spec << "' does not list this node (" << id << ")\n";
            return 2;
        }
        lans.push_back(std::move(lan));
    }
    cfg.lans = static_cast<uint8_t>(lans.size());

    asio::io_context io;
    Membership membership(cfg, std::move(mac).value(), UdpTransport::monotonicNow());
    UdpTransport transport(io, membership, lans, [&](const View& v) {
        nlohmann::json members = nlohmann::json::array();
        for (const auto& m : v.members)
            members.push_back(
                {{"id", m.id}, {"incarnation", m.incarnation}, {"weight", m.weight}, {"state", stateName(m.state)}});
        int owned = 0;
        for (const auto& b : bucketsOf(v, membership.quorate(v))) owned += b.owner == id;
        emit({{"event", "view"},
              {"t_ms", UdpTransport::monotonicNow().count() / 1000000},
              {"epoch", v.id.dataPathEpoch()},
              {"seq", v.id.seq},
              {"coordinator", v.id.coordinator},
              {"members", members},
              {"quorate", membership.quorate(v)},
              {"buckets_owned", owned}});
    });
    std::FILE* capture = captureFile.empty() ? nullptr : std::fopen(captureFile.c_str(), "ae");
    if (!captureFile.empty() && !capture) {
        std::cerr << "safefarm-membership: cannot open " << captureFile << "\n";
        return 1;
    }
    if (capture) {
        transport.onSend([&](const Datagram& d) {
            auto it = lans[d.lan].peers.find(d.to);
            if (it == lans[d.lan].peers.end()) return;
            std::fprintf(capture, "%s ", it->second.address().to_string().c_str());
            for (uint8_t b : d.bytes) std::fprintf(capture, "%02x", b);
            std::fprintf(capture, "\n");
            std::fflush(capture);
        });
    }
    if (auto r = transport.start(); !r) {
        std::cerr << "safefarm-membership: " << r.error().message() << "\n";
        return 1;
    }
    emit({{"event", "started"}, {"id", id}, {"incarnation", cfg.incarnation}});

    asio::signal_set usr1(io, SIGUSR1), term(io, SIGTERM, SIGINT);
    std::function<void()> waitUsr1 = [&] {
        usr1.async_wait([&](boost::system::error_code ec, int) {
            if (ec) return;
            emit(countersJson(membership, transport));
            waitUsr1();
        });
    };
    waitUsr1();
    term.async_wait([&](boost::system::error_code, int) {
        emit(countersJson(membership, transport));
        transport.stop();
        usr1.cancel();
        io.stop();
    });
    io.run();
    return 0;
}
