/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * farm_hash.h - the client hash, one implementation for the XDP program and
 * for the agent (which must predict where a client lands, e.g. in tests).
 *
 * Keyed under the cluster-wide 128-bit key, so a client that does not know
 * the key cannot compute which of its addresses or ports land on which
 * node, nor aim a flood of chosen sources at one node.
 *
 * Why not SipHash: measured here (bench/filter), SipHash-1-3 cost 11 ns per
 * packet, two thirds of the whole budget (15 ns over a bare XDP_PASS). And
 * a PRF buys little: a client that can see which node answers (the source
 * MAC on its LAN, a server header) can aim by probing whatever the hash is.
 * What the key must prevent is prediction by a client that cannot observe.
 * IPv4 (the whole input fits one word) uses multiply-shift universal
 * hashing keyed in the multiplier, ~1 ns: the bucket is the top bits of
 * (w ^ k0) * odd(k1). IPv6 chains three keyed multiply rounds with a
 * splitmix64 finaliser. A patient observer might learn key bits; rotate the
 * cluster key if that matters.
 *
 * Inputs are fixed-shape 64-bit words: addresses in network byte order as
 * they sit in the packet, so both sides agree.
 */
#ifndef SAFEFARM_FARM_HASH_H
#define SAFEFARM_FARM_HASH_H

#include <linux/types.h>

#include "farm_abi.h"

#ifndef FARM_INLINE
#ifdef __bpf__
#define FARM_INLINE static __always_inline
#else
#define FARM_INLINE static inline
#endif
#endif

/* One keyed round: multiply by a key-derived odd number, then finalise. */
FARM_INLINE __u64 farm_mix(__u64 h, __u64 w, __u64 key_mul)
{
	h = (h ^ w) * (key_mul | 1);
	h ^= h >> 32;
	h *= 0x94d049bb133111ebULL; /* splitmix64 */
	h ^= h >> 29;
	return h;
}

/*
 * The bucket of a client. addr: the client address as in the packet
 * (IPv4 in addr[0]); extra: the client port (on_port), the IPv4
 * identification (16 bits) or IPv6 fragment id (on_ipid), 0 (on_addr);
 * has_extra says whether extra takes part (so port 0 differs from on_addr).
 */
FARM_INLINE __u32 farm_bucket_of(const __u64 key[2], const __be32 addr[4], int is_v6, __u32 extra,
				 int has_extra)
{
	__u64 h;

	if (!is_v6) {
		/*
		 * Multiply-shift (Dietzfelbinger): the top bits of w * odd(k1)
		 * depend on every bit of w below them, so the whole input sits
		 * in bits 0..49: address, extra (16 bits), its presence, IPv4.
		 */
		__u64 w = (__u64)addr[0] | ((__u64)(extra & 0xffff) << 32) |
			  ((__u64)(has_extra ? 1 : 0) << 48) | (1ULL << 49);

		return (__u32)(((w ^ key[0]) * (key[1] | 1)) >> (64 - FARM_BUCKET_BITS));
	} else {
		__u64 tag = ((__u64)(has_extra ? 1 : 0) << 32) | (6ULL << 40) | extra;

		h = farm_mix(key[0], ((__u64)addr[0] << 32) | addr[1], key[1]);
		h = farm_mix(h, ((__u64)addr[2] << 32) | addr[3], key[0]);
		h = farm_mix(h, tag, key[1]);
	}
	return (__u32)(h >> 32) & FARM_BUCKET_MASK;
}

#endif /* SAFEFARM_FARM_HASH_H */
