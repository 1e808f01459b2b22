// An Announcer that records what would have been sent, for the module tests.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "net/Announcer.h"

namespace safefarm::test {

class FakeAnnouncer : public net::Announcer {
public:
    enum class Kind { GratuitousArp, UnsolicitedNa };
    struct Sent {
        Kind kind;
        std::string ifname;
        IpAddr vip;
        Mac mac;
    };

    Result<void> gratuitousArp(const std::string& ifname, const IpAddr& v4, const Mac& sender) override {
        return record(Kind::GratuitousArp, ifname, v4, sender);
    }
    Result<void> unsolicitedNa(const std::string& ifname, const IpAddr& v6, const Mac& target) override {
        return record(Kind::UnsolicitedNa, ifname, v6, target);
    }

    size_t count(Kind kind) const {
        size_t n = 0;
        for (const auto& s : sent_) n += s.kind == kind;
        return n;
    }

    // Test controls and observations.
    std::optional<Error> failNext;  // the next announcement returns it (and is not recorded)
    std::vector<Sent> sent_;

private:
    Result<void> record(Kind kind, const std::string& ifname, const IpAddr& vip, const Mac& mac) {
        if (auto e = std::exchange(failNext, std::nullopt)) return *e;
        sent_.push_back(Sent{kind, ifname, vip, mac});
        return success();
    }
};

}  // namespace safefarm::test
