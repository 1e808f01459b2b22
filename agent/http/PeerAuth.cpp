#include "http/PeerAuth.h"

#include <charconv>

#include "http/Crypto.h"

namespace safefarm::http {

namespace {

constexpr std::size_t kMaxSeen = 100000;  // a flood of valid calls cannot grow it without bound

long long unixSeconds(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// Every field on its own line: no field can run into the next.
std::string requestText(const PeerClaims& c, std::string_view target, std::string_view body, std::string_view channel) {
    std::string s = "safefarm-peer-v2\n";
    s.append(channel).push_back('\n');
    for (std::string_view f : {std::string_view(c.from), std::string_view(c.to), std::string_view(c.user),
                               std::string_view(roleName(c.role))})
        s.append(f).push_back('\n');
    s += std::to_string(c.time) + "\n" + c.nonce + "\n";
    s.append(target).push_back('\n');
    s.append(body);
    return s;
}

}  // namespace

PeerAuth::PeerAuth(Hmac mac, WallClock clock, std::chrono::seconds window)
    : mac_(std::move(mac)), clock_(std::move(clock)), window_(window) {}

bool PeerAuth::validName(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
    return true;
}

std::string PeerAuth::mac(std::string_view data) const {
    auto tag = mac_.sign(std::span(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
    return toHex(std::string_view(reinterpret_cast<const char*>(tag.data()), tag.size()));
}

Result<std::string> PeerAuth::sign(PeerClaims& c, std::string_view target, std::string_view body,
                                   std::string_view channel) const {
    auto nonce = randomHex(16);
    if (!nonce) return nonce.error();
    c.time = unixSeconds(clock_());
    c.nonce = std::move(nonce.value());
    return "v2;from=" + c.from + ";to=" + c.to + ";user=" + c.user + ";role=" + roleName(c.role) +
           ";t=" + std::to_string(c.time) + ";nonce=" + c.nonce + ";sig=" + mac(requestText(c, target, body, channel));
}

Result<PeerClaims> PeerAuth::verify(std::string_view header, std::string_view self, std::string_view target,
                                    std::string_view body, std::string_view channel) {
    std::map<std::string, std::string, std::less<>> f;
    if (header.starts_with("v1;"))
        return badInput(
            "peer call: a v1 signature (a safed older than this one, calling over plain HTTP); "
            "upgrade it, calls between nodes are TLS now");
    if (!header.starts_with("v2;")) return badInput("peer call: not a v2 signature");
    header.remove_prefix(3);  // "v2;"
    while (!header.empty()) {
        auto semi = header.find(';');
        auto pair = header.substr(0, semi);
        header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
        auto eq = pair.find('=');
        if (eq == std::string_view::npos || !f.emplace(pair.substr(0, eq), pair.substr(eq + 1)).second)
            return badInput("peer call: malformed signature header");
    }
    for (const char* k : {"from", "to", "user", "role", "t", "nonce", "sig"})
        if (!f.contains(k)) return badInput(std::string("peer call: no ") + k + " in the signature header");
    PeerClaims c;
    c.from = f["from"];
    c.to = f["to"];
    c.user = f["user"];
    c.nonce = f["nonce"];
    auto role = parseRole(f["role"]);
    if (!validName(c.from) || !validName(c.to) || !validName(c.user) || !role || c.nonce.size() != 32 ||
        !fromHex(c.nonce))
        return badInput("peer call: malformed signature header");
    c.role = *role;
    const std::string& t = f["t"];
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), c.time);
    if (ec != std::errc() || end != t.data() + t.size() || t.empty()) return badInput("peer call: malformed time");
    // The signature first: nothing else is believed from a stranger.
    if (channel.empty()) return badInput("peer call: not on the cluster's TLS channel");
    if (!constantTimeEqual(mac(requestText(c, target, body, channel)), f["sig"]))
        return badInput(
            "peer call: bad signature (not signed with this cluster's key, or for another "
            "connection: a recorded call replayed)");
    if (c.to != self) return badInput("peer call: meant for " + c.to + ", this is " + std::string(self));
    long long now = unixSeconds(clock_()), skew = now - c.time;
    if (skew > window_.count() || -skew > window_.count())
        return badInput("peer call: signed " + std::to_string(skew > 0 ? skew : -skew) + " s " +
                        (skew > 0 ? "ago" : "ahead of our clock") + ", outside the " + std::to_string(window_.count()) +
                        " s window (are the nodes' clocks in step?)");
    for (auto it = seen_.begin(); it != seen_.end();)
        it = it->second < now - window_.count() ? seen_.erase(it) : std::next(it);
    if (seen_.size() >= kMaxSeen) return badInput("peer call: too many calls within the window");
    if (!seen_.emplace(c.nonce, c.time).second) return badInput("peer call: replayed (nonce already seen)");
    return c;
}

std::string PeerAuth::signReply(std::string_view nonce, unsigned status, std::string_view body) const {
    std::string s = "safefarm-peer-reply-v1\n";
    s.append(nonce).push_back('\n');
    s += std::to_string(status) + "\n";
    s.append(body);
    return mac(s);
}

bool PeerAuth::verifyReply(std::string_view signature, std::string_view nonce, unsigned status,
                           std::string_view body) const {
    return constantTimeEqual(signReply(nonce, status, body), signature);
}

}  // namespace safefarm::http
