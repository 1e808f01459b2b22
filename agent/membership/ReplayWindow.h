// Replay protection per sender (DESIGN §4), in the manner of IPsec's
// anti-replay window (RFC 4303 §3.4.3): the highest sequence number accepted
// and a 64-bit bitmap of the 64 numbers below it. A message is new if its
// number is above the highest, or inside the window and not seen yet; so
// datagrams reordered by up to 64 positions (several lans, several pulses)
// are all accepted once, and nothing depends on wall-clock time.
// A new incarnation of the sender (it restarted) resets the window; an older
// incarnation is stale.
#pragma once

#include <cstdint>

namespace safefarm::membership {

enum class Freshness { Fresh, Replayed, Stale };

class ReplayWindow {
public:
    static constexpr uint64_t kSize = 64;

    // Does not record anything: call accept() once the message is trusted.
    Freshness check(uint32_t incarnation, uint64_t seq) const;
    void accept(uint32_t incarnation, uint64_t seq);

    bool known() const { return known_; }
    uint32_t incarnation() const { return incarnation_; }
    uint64_t highest() const { return highest_; }

private:
    bool known_ = false;
    uint32_t incarnation_ = 0;
    uint64_t highest_ = 0;
    uint64_t bitmap_ = 0;  // bit i: highest_ - i was seen
};

}  // namespace safefarm::membership
