// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * farm_filter.bpf.c - the farm filter: on every node, keep the packets sent
 * to the VIP whose client hashes into a bucket this node owns; drop (or, in
 * vmac_directed, relay to the owner) the rest. DESIGN.md §1-3.
 *
 * Every packet reads farm_state.active once and then one half of the epoch
 * and bucket tables, so it always sees one whole epoch.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_arp.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <xdp/xdp_helpers.h>

#include "farm_abi.h"
#include "farm_hash.h"
#include "farm_maps.h"
#include "farm_neigh.h"
#include "farm_parse.h"

/* The object describes itself: the agent compares this with its own header. */
const volatile __u32 farm_abi_version = FARM_ABI_VERSION;
/*
 * The number of reasons (counter slots). Typed with the enum so that
 * enum farm_reason lands in the object's BTF, where
 * tests/bpf/AbiLayoutTest.cpp checks its numbering against the C++ side.
 */
const volatile enum farm_reason farm_reason_max = FARM_R_MAX;

/* Run before other XDP programs on the interface (libxdp dispatcher). */
struct {
	__uint(priority, 10);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(farm_filter);

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct verdict {
	int action;
	int reason;
};

static __always_inline int count(struct xdp_md *ctx, int action, __u32 reason)
{
	struct farm_counter *c = bpf_map_lookup_elem(&farm_counters, &reason);

	if (c) {
		c->packets++;
		c->bytes += ctx->data_end - ctx->data;
	}
	return action;
}

static __always_inline int mac_eq(const __u8 *a, const __u8 *b)
{
	return *(const __u32 *)a == *(const __u32 *)b &&
	       *(const __u16 *)(a + 4) == *(const __u16 *)(b + 4);
}

/*
 * The coarse clock: CLOCK_MONOTONIC read at the last tick, a few ns instead
 * of ~27 ns for bpf_ktime_get_ns() on a VM - most of the per-packet budget.
 * It lags the precise clock by at most one tick, so a node may accept for up
 * to FARM_LEASE_SLACK_NS past its deadline; the data path writes the lease
 * that much early.
 */
static __always_inline __u64 now_ns(void)
{
	return bpf_ktime_get_coarse_ns();
}

/* The kernel's tick rate, from its config; 0 where libbpf cannot read it. */
extern unsigned int CONFIG_HZ __kconfig __weak;

/* 32 bits that change whenever the 64-bit deadline changes (but by chance). */
static __always_inline __u32 lease_tag(__u64 deadline)
{
	return (__u32)((deadline * 0x9e3779b97f4a7c15ULL) >> 32);
}

/*
 * The lease check, per packet kept. Even the coarse clock is a helper call
 * (2 ns); jiffies is one load the verifier inlines. So the lease is cached
 * as a jiffies deadline in farm_state.lease_cache, one 64-bit word (a torn
 * pair is impossible) tagged with the ns deadline it was computed from: a
 * renewal or a revocation by the agent changes the tag and sends the next
 * packet back to the clock. Jiffies are read before the clock and one
 * jiffy is given up, so the cache never reaches past the ns deadline.
 */
static __always_inline int lease_valid(struct farm_state *st)
{
	__u64 deadline = st->lease_deadline_ns;
	__u64 cache = st->lease_cache;
	__u64 j, now, until;

	if (CONFIG_HZ && (__u32)(cache >> 32) == lease_tag(deadline) &&
	    (__s32)((__u32)cache - (__u32)bpf_jiffies64()) > 0)
		return 1;
	j = bpf_jiffies64();
	now = now_ns();
	if (now >= deadline)
		return 0;
	if (CONFIG_HZ) {
		until = (deadline - now) / (1000000000ULL / CONFIG_HZ);
		if (until > 0x3fffffff)
			until = 0x3fffffff; /* stay far from the 32-bit wrap */
		if (until > 1)
			st->lease_cache =
			    ((__u64)lease_tag(deadline) << 32) | (__u32)(j + until - 1);
	}
	return 1;
}

/*
 * The lookups below are global functions: the verifier checks each once
 * with an unknown result, instead of once per loop exit in every caller
 * (inlined, the two loops multiply into more than a million states).
 */

/* Index of the VIP addr, or -1. */
struct farm_addr {
	__be32 a[4];
};

__noinline int farm_find_vip(const struct farm_epoch *ep, const struct farm_addr *addr, int is_v6)
{
	int i;

	if (!ep || !addr)
		return -1;
	for (i = 0; i < FARM_MAX_VIPS; i++) {
		const struct farm_vip *v = &ep->vips[i];

		if (i >= ep->nr_vips)
			break;
		if (is_v6) {
			if (v->family == 10 && v->addr[0] == addr->a[0] &&
			    v->addr[1] == addr->a[1] && v->addr[2] == addr->a[2] &&
			    v->addr[3] == addr->a[3])
				return i;
		} else if (v->family == 2 && v->addr[0] == addr->a[0]) {
			return i;
		}
	}
	return -1;
}

/* Index of the first rule for (vip, proto, port), or -1; fragments match on (vip, proto). */
__noinline int farm_find_rule(const struct farm_epoch *ep, int vip, const struct farm_pkt *p)
{
	int i;

	if (!ep || !p)
		return -1;
	for (i = 0; i < FARM_MAX_RULES; i++) {
		const struct farm_rule *r = &ep->rules[i];

		if (i >= ep->nr_rules)
			break;
		if (r->proto != p->l4proto)
			continue;
		if (r->vip != FARM_ANY_VIP && r->vip != vip)
			continue;
		if (!p->fragment && r->port != FARM_ANY_PORT && r->port != p->dport)
			continue;
		return i;
	}
	return -1;
}

static __always_inline __u32 bucket_of(const struct farm_epoch *ep, const struct farm_rule *r,
				       const struct farm_pkt *p)
{
	/* Fragments carry no ports (DESIGN §1): they hash on addresses only. */
	if (r->filter == FARM_FILTER_ON_IPID && p->has_frag_id && (!p->is_v6 || p->fragment))
		return farm_bucket_of(ep->hash_key, p->saddr, p->is_v6, p->frag_id, 1);
	if (r->filter != FARM_FILTER_ON_ADDR && !p->fragment)
		return farm_bucket_of(ep->hash_key, p->saddr, p->is_v6, bpf_ntohs(p->sport), 1);
	return farm_bucket_of(ep->hash_key, p->saddr, p->is_v6, 0, 0);
}

static __always_inline void flow_key(struct farm_flow_key *k, const struct farm_pkt *p)
{
	__builtin_memcpy(k->saddr, p->saddr, 16);
	__builtin_memcpy(k->daddr, p->daddr, 16);
	k->sport = p->sport;
	k->dport = p->dport;
	k->proto = p->l4proto;
	k->family = p->is_v6 ? 6 : 4;
	k->pad = 0;
}

static __always_inline void flow_record(const struct farm_flow_key *k, __u32 bucket, __u8 kind,
					__u8 relay_to)
{
	struct farm_flow f = {
	    .last_seen_ns = now_ns(),
	    .bucket = bucket,
	    .kind = kind,
	    .relay_to = relay_to,
	};

	bpf_map_update_elem(&farm_flows, k, &f, BPF_ANY);
}

static __always_inline int is_syn(const struct farm_pkt *p)
{
	return p->l4proto == IPPROTO_TCP &&
	       (p->tcp_flags & (FARM_TCP_SYN | FARM_TCP_ACK)) == FARM_TCP_SYN;
}

/* A frame whose source is a farm peer was relayed once already. */
static __always_inline int from_peer(const struct ethhdr *eth)
{
	struct farm_mac_key k = {};

	__builtin_memcpy(k.mac, eth->h_source, ETH_ALEN);
	return bpf_map_lookup_elem(&farm_peer_macs, &k) != 0;
}

static __always_inline int relay(struct ethhdr *eth, const struct farm_epoch *ep, __u32 node,
				 struct verdict *v)
{
	const struct farm_peer *peer;

	if (node > FARM_MAX_NODES) {
		v->action = XDP_DROP;
		v->reason = FARM_R_DROP_NO_PEER;
		return 0;
	}
	peer = &ep->peers[node];
	/* A peer whose MAC no heartbeat has told yet (all zero) gets nothing. */
	if (!peer->valid || node == ep->my_id ||
	    !(*(const __u32 *)peer->mac | *(const __u16 *)(peer->mac + 4))) {
		v->action = XDP_DROP;
		v->reason = FARM_R_DROP_NO_PEER;
		return 0;
	}
	__builtin_memcpy(eth->h_dest, peer->mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, ep->my_mac, ETH_ALEN);
	v->action = XDP_TX;
	v->reason = FARM_R_TX_RELAY;
	return 0;
}

static __always_inline void keep(struct ethhdr *eth, const struct farm_epoch *ep, int reason,
				 struct verdict *v)
{
	/* vmac_invisible: the stack must see its own MAC (PACKET_HOST). */
	if (ep->mode == FARM_MODE_VMAC_INVISIBLE)
		__builtin_memcpy(eth->h_dest, ep->my_mac, ETH_ALEN);
	v->action = XDP_PASS;
	v->reason = reason;
}

static __always_inline void drop(int reason, struct verdict *v)
{
	v->action = XDP_DROP;
	v->reason = reason;
}

/* Not ours in a steady bucket: drop, or in vmac_directed relay once. */
static __always_inline void not_owner(struct ethhdr *eth, const struct farm_epoch *ep, __u32 owner,
				      int reason, struct verdict *v)
{
	if (ep->mode != FARM_MODE_VMAC_DIRECTED) {
		drop(reason, v);
		return;
	}
	if (from_peer(eth)) {
		drop(FARM_R_DROP_RELAY_LOOP, v);
		return;
	}
	relay(eth, ep, owner, v);
}

/*
 * A SYN for a bucket another node serves: a connection on that 5-tuple
 * starts there, so a flow this node recorded on it (when it owned the
 * bucket: a failover, a join's transition) is over. Kept, it made this node
 * take the new connection's packets as its own when the bucket moved back
 * to it in transition, and its stack answered them with a reset (lab_farm:
 * 1-3 of ~200 keep-alive connections reset by a graceful stop).
 */
static __always_inline void forget_stale_flow(struct farm_flow_key *k)
{
	/* Looked up first: a miss (nearly every SYN) takes no bucket lock. */
	if (bpf_map_lookup_elem(&farm_flows, k))
		bpf_map_delete_elem(&farm_flows, k);
}

/*
 * A bucket moving from prev_owner (A) to owner (B), DESIGN §3. A keeps its
 * own flows, B takes new ones; in vmac_directed an entry node that is
 * neither sends each packet to the one that holds (or will hold) the flow.
 */
static __always_inline void transition(struct ethhdr *eth, const struct farm_epoch *ep,
				       const struct farm_bucket *b, __u32 bucket,
				       const struct farm_pkt *p, struct verdict *v)
{
	int directed = ep->mode == FARM_MODE_VMAC_DIRECTED;
	struct farm_flow_key k;
	struct farm_flow *f;
	int syn = is_syn(p);

	flow_key(&k, p);
	f = bpf_map_lookup_elem(&farm_flows, &k);

	if (b->owner == ep->my_id) {
		if (syn) {
			flow_record(&k, bucket, FARM_FLOW_OWN, 0);
			keep(eth, ep, FARM_R_ACCEPT_NEW_FLOW, v);
		} else if (f && f->kind == FARM_FLOW_OWN) {
			f->last_seen_ns = now_ns();
			keep(eth, ep, FARM_R_ACCEPT_FLOW, v);
		} else if (p->l4proto != IPPROTO_TCP && !f) {
			/* UDP: every flow the old owner did not hand over is ours. */
			flow_record(&k, bucket, FARM_FLOW_OWN, 0);
			keep(eth, ep, FARM_R_ACCEPT_NEW_FLOW, v);
		} else if (directed && ((f && f->kind == FARM_FLOW_FOREIGN) || !from_peer(eth))) {
			/*
			 * The old owner's: straight from a client, or a UDP flow it
			 * handed over that a third entry node relayed here (the one
			 * second hop; the old owner never relays a peer's frame).
			 */
			relay(eth, ep, b->prev_owner, v);
		} else {
			drop(FARM_R_DROP_TRANSITION_NEW, v);
		}
		return;
	}
	if (b->prev_owner == ep->my_id) {
		/*
		 * A SYN on the 5-tuple of a flow recorded here: the client opens
		 * a new connection on a port it used before, so that flow is
		 * over. Kept, it would take the new connection's packets away
		 * from the new owner.
		 */
		if (syn && f && f->kind == FARM_FLOW_OWN) {
			bpf_map_delete_elem(&farm_flows, &k);
			f = 0;
		}
		if (!syn && f && f->kind == FARM_FLOW_OWN) {
			f->last_seen_ns = now_ns();
			if (p->tcp_flags & FARM_TCP_FIN)
				f->flags |= FARM_FLOW_FIN;
			if (p->tcp_flags & FARM_TCP_RST)
				f->flags |= FARM_FLOW_RST;
			keep(eth, ep, FARM_R_ACCEPT_FLOW, v);
		} else if (directed && !from_peer(eth)) {
			relay(eth, ep, b->owner, v);
		} else {
			drop(FARM_R_DROP_TRANSITION_OLD, v);
		}
		return;
	}
	/* Neither: only an entry node in vmac_directed has anything to do. */
	if (!directed) {
		if (syn && f && f->kind == FARM_FLOW_OWN)
			forget_stale_flow(&k);
		drop(FARM_R_DROP_NOT_OWNER, v);
		return;
	}
	if (from_peer(eth)) {
		drop(FARM_R_DROP_RELAY_LOOP, v);
		return;
	}
	if (syn) {
		flow_record(&k, bucket, FARM_FLOW_RELAYED, b->owner);
		relay(eth, ep, b->owner, v);
	} else if (f && f->kind == FARM_FLOW_RELAYED) {
		relay(eth, ep, f->relay_to, v);
	} else if (p->l4proto == IPPROTO_TCP) {
		relay(eth, ep, b->prev_owner, v);
	} else {
		relay(eth, ep, b->owner, v);
	}
}

/*
 * VIP traffic (dst is a VIP): rules, buckets, ownership. Only what this
 * node would keep, relay or record waits for the lease: a drop is always
 * safe, so the drop path does not read the clock.
 */
static __always_inline void farm_ip(struct ethhdr *eth, struct cursor *c,
				    const struct farm_epoch *ep, struct farm_state *st, __u32 half,
				    int vip, struct farm_pkt *p, struct verdict *v)
{
	int directed = ep->mode == FARM_MODE_VMAC_DIRECTED;
	const struct farm_bucket *b;
	const struct farm_rule *r;
	__u32 bucket, idx;
	__u64 *bc;
	int ri;

	if (parse_l4(c, p) != FARM_PARSE_OK) {
		drop(FARM_R_DROP_MALFORMED, v);
		return;
	}
	if (p->l4proto == IPPROTO_ICMP || p->l4proto == IPPROTO_ICMPV6)
		parse_icmp_error(c, p); /* errors follow the flow they quote */
	/* Most farms have one rule: match it without a call. */
	r = &ep->rules[0];
	if (ep->nr_rules >= 1 && r->proto == p->l4proto &&
	    (r->vip == FARM_ANY_VIP || r->vip == vip) &&
	    (p->fragment || r->port == FARM_ANY_PORT || r->port == p->dport))
		ri = 0;
	else
		ri = farm_find_rule(ep, vip, p);
	if (ri < 0) {
		if (ep->designated != ep->my_id && !directed)
			drop(FARM_R_DROP_NOT_DESIGNATED, v);
		else if (!lease_valid(st))
			drop(FARM_R_DROP_LEASE, v);
		else if (ep->designated == ep->my_id)
			keep(eth, ep, FARM_R_ACCEPT_DESIGNATED, v);
		else
			not_owner(eth, ep, ep->designated, FARM_R_DROP_NOT_DESIGNATED, v);
		return;
	}
	r = &ep->rules[(__u32)ri & (FARM_MAX_RULES - 1)]; /* 64: a power of two */
	bucket = bucket_of(ep, r, p);
	idx = half * FARM_BUCKETS + bucket;
	b = bpf_map_lookup_elem(&farm_buckets, &idx);
	if (!b) {
		drop(FARM_R_DROP_NO_EPOCH, v);
		return;
	}
	bc = bpf_map_lookup_elem(&farm_bkt_count, &bucket);
	if (bc)
		*bc += 1;

	if (!(b->flags & FARM_BUCKET_TRANSITION) && b->owner != ep->my_id && !directed) {
		if (is_syn(p)) {
			struct farm_flow_key k;

			flow_key(&k, p);
			forget_stale_flow(&k);
		}
		drop(FARM_R_DROP_NOT_OWNER, v);
		return;
	}
	if (!lease_valid(st)) {
		drop(FARM_R_DROP_LEASE, v);
		return;
	}
	if (b->flags & FARM_BUCKET_TRANSITION) {
		transition(eth, ep, b, bucket, p, v);
		return;
	}
	if (b->owner != ep->my_id) {
		if (is_syn(p)) {
			struct farm_flow_key k;

			flow_key(&k, p);
			forget_stale_flow(&k);
		}
		not_owner(eth, ep, b->owner, FARM_R_DROP_NOT_OWNER, v);
		return;
	}
	/* Remember new flows so a later transition can keep them here. */
	if (is_syn(p)) {
		struct farm_flow_key k;

		flow_key(&k, p);
		flow_record(&k, bucket, FARM_FLOW_OWN, 0);
	} else if (p->l4proto == IPPROTO_UDP && !p->fragment) {
		struct farm_flow_key k;

		flow_key(&k, p);
		if (!bpf_map_lookup_elem(&farm_flows, &k))
			flow_record(&k, bucket, FARM_FLOW_OWN, 0);
	}
	keep(eth, ep, FARM_R_ACCEPT_OWNER, v);
}

/* Is this node the one that answers ARP/NS from this requester? */
static __always_inline int responder(const struct farm_epoch *ep, __u32 half,
				     const __be32 *requester, int is_v6)
{
	const struct farm_bucket *b;
	__u32 idx;

	if (ep->mode != FARM_MODE_VMAC_DIRECTED || ep->arp_filter != FARM_FILTER_ON_ADDR)
		return ep->designated == ep->my_id;
	idx = half * FARM_BUCKETS + farm_bucket_of(ep->hash_key, requester, is_v6, 0, 0);
	b = bpf_map_lookup_elem(&farm_buckets, &idx);
	return b && b->owner == ep->my_id;
}

static __always_inline const __u8 *vip_hw(const struct farm_epoch *ep)
{
	return ep->mode == FARM_MODE_VMAC_INVISIBLE ? ep->vmac : ep->my_mac;
}

static __always_inline void farm_arp(struct ethhdr *eth, struct cursor *c,
				     const struct farm_epoch *ep, __u32 half, struct farm_state *st,
				     struct verdict *v)
{
	struct farm_arp *arp = c->pos;
	struct farm_addr addr = {};

	if ((void *)(arp + 1) > c->end || arp->htype != bpf_htons(ARPHRD_ETHER) ||
	    arp->ptype != bpf_htons(ETH_P_IP) || arp->hlen != ETH_ALEN || arp->plen != 4)
		return; /* not Ethernet/IPv4 ARP: the kernel's business */
	addr.a[0] = arp->tpa;
	if (farm_find_vip(ep, &addr, 0) < 0) {
		addr.a[0] = arp->spa;
		if (farm_find_vip(ep, &addr, 0) >= 0)
			drop(FARM_R_DROP_VIP_ANNOUNCE, v); /* a peer announcing the VIP */
		return;
	}
	/* Gratuitous ARP from a peer, request (arping -U) or reply (arping -A). */
	if (arp->spa == arp->tpa) {
		drop(FARM_R_DROP_VIP_ANNOUNCE, v);
		return;
	}
	if (arp->op != bpf_htons(ARPOP_REQUEST))
		return; /* a reply to the VIP: nodes never ask as the VIP, let it be */
	if (!lease_valid(st)) {
		drop(FARM_R_DROP_LEASE, v);
		return;
	}
	addr.a[0] = arp->spa;
	if (!responder(ep, half, addr.a, 0)) {
		drop(FARM_R_DROP_NOT_RESPONDER, v);
		return;
	}
	farm_arp_reply(eth, arp, ep->my_mac, vip_hw(ep));
	v->action = XDP_TX;
	v->reason = FARM_R_TX_ARP_REPLY;
}

/* ICMPv6 neighbour discovery for a VIP: answer or swallow. 1 if handled. */
static __always_inline int farm_ndp(struct xdp_md *ctx, struct ethhdr *eth,
				    const struct farm_epoch *ep, __u32 half, struct farm_state *st,
				    struct farm_pkt *p, struct verdict *v)
{
	struct farm_nd *nd = p->l4;
	void *end = (void *)(long)ctx->data_end;
	struct farm_addr target;
	__u8 src_mac[ETH_ALEN];

	if (p->l4proto != IPPROTO_ICMPV6 || p->fragment)
		return 0;
	/* Type, code, checksum, flags and target: 24 bytes. */
	if ((void *)nd + 24 > end)
		return 0;
	if (nd->type != 135 && nd->type != 136)
		return 0;
	__builtin_memcpy(target.a, nd->target, 16);
	if (farm_find_vip(ep, &target, 1) < 0)
		return 0;
	if (nd->type == 136) {
		drop(FARM_R_DROP_VIP_ANNOUNCE, v); /* a peer's unsolicited NA */
		return 1;
	}
	if (!lease_valid(st)) {
		drop(FARM_R_DROP_LEASE, v);
		return 1;
	}
	if (!responder(ep, half, p->saddr, 1)) {
		drop(FARM_R_DROP_NOT_RESPONDER, v);
		return 1;
	}
	__builtin_memcpy(src_mac, eth->h_source, ETH_ALEN);
	if (farm_ndp_advert(ctx, src_mac, p->saddr, target.a, ep->my_mac, vip_hw(ep))) {
		drop(FARM_R_DROP_MALFORMED, v);
		return 1;
	}
	v->action = XDP_TX;
	v->reason = FARM_R_TX_NDP_ADVERT;
	return 1;
}

SEC("xdp")
int farm_filter(struct xdp_md *ctx)
{
	struct cursor c = {
	    .pos = (void *)(long)ctx->data,
	    .end = (void *)(long)ctx->data_end,
	};
	struct verdict v = {XDP_PASS, FARM_R_PASS_OTHER};
	const struct farm_epoch *ep;
	struct farm_state *st;
	struct farm_pkt p = {};
	struct ethhdr *eth;
	__u32 zero = 0, half;
	__be16 proto;
	int vip, dst_ok, err;

	if (parse_eth(&c, &eth) != FARM_PARSE_OK)
		return count(ctx, XDP_PASS, FARM_R_PASS_OTHER);
	st = bpf_map_lookup_elem(&farm_state, &zero);
	if (!st)
		return count(ctx, XDP_PASS, FARM_R_PASS_OTHER);
	half = st->active & 1;
	ep = bpf_map_lookup_elem(&farm_epochs, &half);
	if (!ep || !ep->epoch)
		return count(ctx, XDP_PASS, FARM_R_PASS_OTHER);

	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD))
		return count(ctx, XDP_PASS, FARM_R_PASS_VLAN);
	if (proto == bpf_htons(ETH_P_ARP)) {
		farm_arp(eth, &c, ep, half, st, &v);
		return count(ctx, v.action, v.reason);
	}
	dst_ok = mac_eq(eth->h_dest, ep->mode == FARM_MODE_VMAC_INVISIBLE ? ep->vmac : ep->my_mac);
	if (proto == bpf_htons(ETH_P_IP)) {
		err = parse_ipv4(&c, &p);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		err = parse_ipv6(&c, &p);
	} else {
		return count(ctx, XDP_PASS, FARM_R_PASS_OTHER);
	}
	if (err != FARM_PARSE_OK) {
		/* Frames to the vMAC are farm traffic whatever they carry. */
		if (dst_ok && ep->mode == FARM_MODE_VMAC_INVISIBLE)
			return count(ctx, XDP_DROP, FARM_R_DROP_MALFORMED);
		return count(ctx, XDP_PASS, FARM_R_PASS_OTHER);
	}
	/* Neighbour solicitations arrive at multicast MACs, not the VIP's. */
	if (p.is_v6 && farm_ndp(ctx, eth, ep, half, st, &p, &v))
		return count(ctx, v.action, v.reason);
	if (!dst_ok)
		return count(ctx, XDP_PASS, FARM_R_PASS_OTHER);
	/* Most farms have one VIP: match it without a call. */
	if (!p.is_v6 && ep->nr_vips >= 1 && ep->vips[0].family == 2 &&
	    ep->vips[0].addr[0] == p.daddr[0])
		vip = 0;
	else
		vip = farm_find_vip(ep, (const struct farm_addr *)p.daddr, p.is_v6);
	if (vip < 0)
		return count(ctx, XDP_PASS, FARM_R_PASS_OTHER);
	farm_ip(eth, &c, ep, st, half, vip, &p, &v);
	return count(ctx, v.action, v.reason);
}
