/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * farm_parse.h - header parsers for the farm filter.
 *
 * Each parser takes the cursor, checks bounds once, advances and returns
 * FARM_PARSE_OK or an error; every bounds check of the program lives here.
 */
#ifndef SAFEFARM_FARM_PARSE_H
#define SAFEFARM_FARM_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

enum farm_parse_result {
	FARM_PARSE_OK = 0,
	FARM_PARSE_TRUNCATED = -1, /* header runs past the end of the frame */
	FARM_PARSE_INVALID = -2,   /* header present but inconsistent */
};

struct cursor {
	void *pos;
	void *end;
};

/* What the filter needs to know about an IP packet. */
struct farm_pkt {
	__be32 saddr[4];
	__be32 daddr[4];
	__be16 sport;
	__be16 dport;
	__u32 frag_id; /* IPv4 identification or IPv6 fragment id */
	__u8 is_v6;
	__u8 l4proto;
	__u8 fragment;   /* part of a fragmented datagram: no ports used */
	__u8 later_frag; /* non-first fragment: no L4 header at all */
	__u8 tcp_flags;  /* SYN, ACK, FIN, RST as in the TCP header byte 13 */
	__u8 has_frag_id;
	void *l4; /* start of the L4 header (unchecked) */
};

#define FARM_IP_MF 0x2000
#define FARM_IP_OFFSET 0x1fff

#define FARM_TCP_FIN 0x01
#define FARM_TCP_SYN 0x02
#define FARM_TCP_RST 0x04
#define FARM_TCP_ACK 0x10

#define FARM_IPV6_EXT_MAX 4 /* extension headers walked before giving up */

static __always_inline int parse_eth(struct cursor *c, struct ethhdr **eth)
{
	struct ethhdr *h = c->pos;

	if ((void *)(h + 1) > c->end)
		return FARM_PARSE_TRUNCATED;
	c->pos = h + 1;
	*eth = h;
	return FARM_PARSE_OK;
}

static __always_inline int parse_ipv4(struct cursor *c, struct farm_pkt *p)
{
	struct iphdr *ip = c->pos;
	__u32 hlen;
	__u16 frag;

	if ((void *)(ip + 1) > c->end)
		return FARM_PARSE_TRUNCATED;
	hlen = ip->ihl * 4;
	if (ip->version != 4 || hlen < sizeof(*ip))
		return FARM_PARSE_INVALID;
	/* Options: the L4 header starts after them. */
	if (c->pos + hlen > c->end)
		return FARM_PARSE_TRUNCATED;
	p->saddr[0] = ip->saddr;
	p->daddr[0] = ip->daddr;
	p->l4proto = ip->protocol;
	p->frag_id = bpf_ntohs(ip->id);
	p->has_frag_id = 1;
	frag = bpf_ntohs(ip->frag_off);
	p->fragment = (frag & (FARM_IP_MF | FARM_IP_OFFSET)) != 0;
	p->later_frag = (frag & FARM_IP_OFFSET) != 0;
	c->pos += hlen;
	p->l4 = c->pos;
	return FARM_PARSE_OK;
}

struct farm_ipv6_opt_hdr {
	__u8 nexthdr;
	__u8 hdrlen;
};

struct farm_ipv6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset << 3 | M */
	__be32 identification;
};

static __always_inline int parse_ipv6(struct cursor *c, struct farm_pkt *p)
{
	struct ipv6hdr *ip6 = c->pos;
	__u8 next;
	int i;

	if ((void *)(ip6 + 1) > c->end)
		return FARM_PARSE_TRUNCATED;
	if (ip6->version != 6)
		return FARM_PARSE_INVALID;
	__builtin_memcpy(p->saddr, &ip6->saddr, 16);
	__builtin_memcpy(p->daddr, &ip6->daddr, 16);
	p->is_v6 = 1;
	next = ip6->nexthdr;
	c->pos = ip6 + 1;

	/* Walk hop-by-hop, routing, destination options and fragment headers. */
#pragma unroll
	for (i = 0; i < FARM_IPV6_EXT_MAX; i++) {
		if (next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING || next == IPPROTO_DSTOPTS) {
			struct farm_ipv6_opt_hdr *h = c->pos;

			if ((void *)(h + 1) > c->end)
				return FARM_PARSE_TRUNCATED;
			next = h->nexthdr;
			c->pos += (h->hdrlen + 1) * 8;
		} else if (next == IPPROTO_FRAGMENT) {
			struct farm_ipv6_frag_hdr *f = c->pos;

			if ((void *)(f + 1) > c->end)
				return FARM_PARSE_TRUNCATED;
			next = f->nexthdr;
			p->fragment = 1;
			p->later_frag = (bpf_ntohs(f->frag_off) & 0xfff8) != 0;
			p->frag_id = bpf_ntohl(f->identification);
			p->has_frag_id = 1;
			c->pos = f + 1;
		} else {
			break;
		}
	}
	if (next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING || next == IPPROTO_DSTOPTS ||
	    next == IPPROTO_FRAGMENT)
		return FARM_PARSE_INVALID; /* longer chain than we walk */
	if (c->pos > c->end)
		return FARM_PARSE_TRUNCATED;
	p->l4proto = next;
	p->l4 = c->pos;
	return FARM_PARSE_OK;
}

/* Ports (and TCP flags) of an unfragmented or first-fragment packet. */
static __always_inline int parse_l4(struct cursor *c, struct farm_pkt *p)
{
	if (p->later_frag)
		return FARM_PARSE_OK;
	if (p->l4proto == IPPROTO_TCP) {
		struct tcphdr *t = c->pos;

		if ((void *)(t + 1) > c->end)
			return FARM_PARSE_TRUNCATED;
		p->sport = t->source;
		p->dport = t->dest;
		p->tcp_flags = ((__u8 *)t)[13];
	} else if (p->l4proto == IPPROTO_UDP) {
		struct udphdr *u = c->pos;

		if ((void *)(u + 1) > c->end)
			return FARM_PARSE_TRUNCATED;
		p->sport = u->source;
		p->dport = u->dest;
	}
	return FARM_PARSE_OK;
}

/*
 * An ICMP error about a packet the VIP sent (destination unreachable, among
 * them "fragmentation needed"; time exceeded; parameter problem; IPv6
 * packet too big) belongs to the node that owns the flow it quotes: sent to
 * the designated node, path MTU discovery would break on all the others.
 * Rewrites p as if the quoted client had sent it (client address and port,
 * VIP port, protocol) and returns 1; returns 0, p untouched, otherwise.
 */
static __always_inline int parse_icmp_error(struct cursor *c, struct farm_pkt *p)
{
	__u8 *h = c->pos;
	__be16 *ports;
	__u32 hlen;

	if (p->fragment || (void *)(h + 8) > c->end)
		return 0;
	if (!p->is_v6) {
		struct iphdr *ip = (void *)(h + 8);

		if (p->l4proto != IPPROTO_ICMP || (h[0] != 3 && h[0] != 11 && h[0] != 12))
			return 0;
		if ((void *)(ip + 1) > c->end)
			return 0;
		hlen = ip->ihl * 4;
		if (ip->version != 4 || hlen < sizeof(*ip) || ip->saddr != p->daddr[0] ||
		    (bpf_ntohs(ip->frag_off) & FARM_IP_OFFSET))
			return 0;
		ports = (void *)ip + hlen;
		if ((void *)(ports + 2) > c->end)
			return 0;
		p->saddr[0] = ip->daddr;
		p->l4proto = ip->protocol;
	} else {
		struct ipv6hdr *ip6 = (void *)(h + 8);
		__be32 *src;

		if (p->l4proto != IPPROTO_ICMPV6 || h[0] < 1 || h[0] > 4)
			return 0;
		if ((void *)(ip6 + 1) > c->end)
			return 0;
		src = (__be32 *)&ip6->saddr;
		if (src[0] != p->daddr[0] || src[1] != p->daddr[1] || src[2] != p->daddr[2] ||
		    src[3] != p->daddr[3])
			return 0;
		if (ip6->nexthdr != IPPROTO_TCP && ip6->nexthdr != IPPROTO_UDP)
			return 0; /* quoted extension headers: left to the designated node */
		ports = (void *)(ip6 + 1);
		if ((void *)(ports + 2) > c->end)
			return 0;
		__builtin_memcpy(p->saddr, &ip6->daddr, 16);
		p->l4proto = ip6->nexthdr;
	}
	/* The quoted packet went VIP:port -> client:port. */
	p->sport = ports[1];
	p->dport = ports[0];
	p->tcp_flags = 0;
	return 1;
}

#endif /* SAFEFARM_FARM_PARSE_H */
