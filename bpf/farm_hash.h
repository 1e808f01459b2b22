/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * farm_hash.h - the client hash, one implementation for the XDP program and
 * for the agent (which must predict where a client lands, e.g. in tests).
 *
 * SipHash-1-3 under the cluster-wide key: a keyed PRF, so a client that does
 * not know the key cannot choose addresses or ports that all land on one
 * node (jhash with a seed gives no such guarantee). 1-3 rather than 2-4: the
 * inputs are at most three words and the verdict is not a MAC; Rust's
 * HashMap makes the same trade for DoS resistance. Costs ~5 ns per packet.
 *
 * Inputs are fixed-shape words built by farm_hash_input_*(): addresses in
 * network byte order as they sit in the packet, so both sides agree.
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

#define FARM_ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

#define FARM_SIPROUND(v0, v1, v2, v3)                                          \
	do {                                                                   \
		v0 += v1; v1 = FARM_ROTL64(v1, 13); v1 ^= v0;                  \
		v0 = FARM_ROTL64(v0, 32);                                      \
		v2 += v3; v3 = FARM_ROTL64(v3, 16); v3 ^= v2;                  \
		v0 += v3; v3 = FARM_ROTL64(v3, 21); v3 ^= v0;                  \
		v2 += v1; v1 = FARM_ROTL64(v1, 17); v1 ^= v2;                  \
		v2 = FARM_ROTL64(v2, 32);                                      \
	} while (0)

/* SipHash-1-3 of n (1..3) 64-bit words: 8*n message bytes. */
FARM_INLINE __u64 farm_siphash13(const __u64 key[2], __u64 m0, __u64 m1,
				 __u64 m2, int n)
{
	__u64 v0 = 0x736f6d6570736575ULL ^ key[0];
	__u64 v1 = 0x646f72616e646f6dULL ^ key[1];
	__u64 v2 = 0x6c7967656e657261ULL ^ key[0];
	__u64 v3 = 0x7465646279746573ULL ^ key[1];
	__u64 b = ((__u64)(8 * n)) << 56;

	v3 ^= m0; FARM_SIPROUND(v0, v1, v2, v3); v0 ^= m0;
	if (n > 1) { v3 ^= m1; FARM_SIPROUND(v0, v1, v2, v3); v0 ^= m1; }
	if (n > 2) { v3 ^= m2; FARM_SIPROUND(v0, v1, v2, v3); v0 ^= m2; }
	v3 ^= b; FARM_SIPROUND(v0, v1, v2, v3); v0 ^= b;
	v2 ^= 0xff;
	FARM_SIPROUND(v0, v1, v2, v3);
	FARM_SIPROUND(v0, v1, v2, v3);
	FARM_SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/*
 * The bucket of a client. addr: the client address as in the packet
 * (IPv4 in addr[0]); family: 4 or 6; extra: the client port (on_port), the
 * IPv4 identification or IPv6 fragment id (on_ipid), 0 (on_addr);
 * has_extra says whether extra takes part (so port 0 differs from on_addr).
 */
FARM_INLINE __u32 farm_bucket_of(const __u64 key[2], const __be32 addr[4],
				 int is_v6, __u32 extra, int has_extra)
{
	__u64 tag = ((__u64)(has_extra ? 1 : 0) << 32) | (__u64)extra;
	__u64 h;

	if (!is_v6)
		h = farm_siphash13(key, ((__u64)addr[0] << 32) | 4, tag, 0, 2);
	else
		h = farm_siphash13(key, ((__u64)addr[0] << 32) | addr[1],
				   ((__u64)addr[2] << 32) | addr[3],
				   tag | (6ULL << 40), 3);
	return (__u32)h & FARM_BUCKET_MASK;
}

#endif /* SAFEFARM_FARM_HASH_H */
