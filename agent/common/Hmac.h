// HMAC-SHA256 (RFC 2104) under the cluster key, the one implementation:
// the heartbeats (membership/Message.h) and the calls between the nodes'
// APIs (http/PeerAuth.h) are signed with it. The keyed inner and outer
// SHA-256 states are computed once: a message then costs two context
// copies and two short digests, which keeps the simulator's 100,000
// schedules (every datagram sealed and opened) fast.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/Result.h"

struct evp_md_ctx_st;

namespace safefarm {

class Hmac {
public:
    static constexpr size_t kTagSize = 32;
    using Tag = std::array<uint8_t, kTagSize>;

    // The key must be at least 16 bytes (a cluster key file holds 32 random bytes).
    static Result<Hmac> create(std::span<const uint8_t> key);

    Hmac(Hmac&&) noexcept = default;
    Hmac& operator=(Hmac&&) noexcept = default;
    ~Hmac();

    Tag sign(std::span<const uint8_t> data) const;
    // Constant time.
    bool verify(std::span<const uint8_t> data, std::span<const uint8_t> tag) const;

private:
    struct CtxFree {
        void operator()(evp_md_ctx_st* c) const;
    };
    using Ctx = std::unique_ptr<evp_md_ctx_st, CtxFree>;
    Hmac(Ctx inner, Ctx outer, Ctx scratch);

    Ctx inner_, outer_;
    Ctx scratch_;  // reused by sign(): an Hmac is used by one thread
};

}  // namespace safefarm
