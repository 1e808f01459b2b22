/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * farm_neigh.h - answering ARP requests and neighbour solicitations for a
 * VIP in place (XDP_TX), so the kernel never answers for the VIP itself and
 * exactly one node answers.
 *
 * The Ethernet source is always the node's own MAC: in vmac_invisible the
 * vMAC appears only inside the ARP payload / target link-layer option, so
 * the switch never learns it and keeps flooding frames to every node.
 */
#ifndef SAFEFARM_FARM_NEIGH_H
#define SAFEFARM_FARM_NEIGH_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_arp.h>
#include <linux/ipv6.h>
#include <linux/icmpv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "farm_abi.h"

/* ARP for Ethernet/IPv4, the only kind we answer. */
struct farm_arp {
	__be16 htype;
	__be16 ptype;
	__u8 hlen;
	__u8 plen;
	__be16 op;
	__u8 sha[ETH_ALEN];
	__be32 spa;
	__u8 tha[ETH_ALEN];
	__be32 tpa;
} __attribute__((packed));

/* A neighbour solicitation / advertisement with one link-layer option. */
struct farm_nd {
	__u8 type;
	__u8 code;
	__sum16 cksum;
	__be32 flags; /* NA: R S O bits; NS: reserved */
	__be32 target[4];
	__u8 opt_type;
	__u8 opt_len; /* in units of 8 bytes */
	__u8 opt_mac[ETH_ALEN];
};

#define FARM_NA_SOLICITED 0x40000000
#define FARM_NA_OVERRIDE 0x20000000
#define FARM_ND_OPT_SLLA 1
#define FARM_ND_OPT_TLLA 2

/* Turn the ARP request in place into the reply "VIP is at hw". */
static __always_inline void farm_arp_reply(struct ethhdr *eth, struct farm_arp *arp,
					   const __u8 *my_mac, const __u8 *hw)
{
	__be32 vip = arp->tpa;

	__builtin_memcpy(eth->h_dest, arp->sha, ETH_ALEN);
	__builtin_memcpy(eth->h_source, my_mac, ETH_ALEN);
	arp->op = bpf_htons(ARPOP_REPLY);
	__builtin_memcpy(arp->tha, arp->sha, ETH_ALEN);
	arp->tpa = arp->spa;
	__builtin_memcpy(arp->sha, hw, ETH_ALEN);
	arp->spa = vip;
}

static __always_inline __u32 farm_csum_add16(__u32 sum, const __u16 *p, int words)
{
	int i;

#pragma unroll
	for (i = 0; i < words; i++)
		sum += p[i];
	return sum;
}

static __always_inline __u16 farm_csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* ICMPv6 checksum of a 32-byte NA, pseudo header included. */
static __always_inline __u16 farm_nd_csum(const struct ipv6hdr *ip6, const struct farm_nd *nd)
{
	__u32 sum = 0;

	sum = farm_csum_add16(sum, (const __u16 *)&ip6->saddr, 8);
	sum = farm_csum_add16(sum, (const __u16 *)&ip6->daddr, 8);
	sum += bpf_htons(sizeof(*nd));
	sum += bpf_htons(IPPROTO_ICMPV6);
	sum = farm_csum_add16(sum, (const __u16 *)nd, sizeof(*nd) / 2);
	return farm_csum_fold(sum);
}

/*
 * Replace the frame by "VIP is at hw", the answer to a solicitation from
 * src_mac/src_ip (unspecified source: a DAD probe, answered to all nodes).
 * Returns 0, or -1 when the frame could not be resized.
 */
static __always_inline int farm_ndp_advert(struct xdp_md *ctx, const __u8 *src_mac,
					   const __be32 *src_ip, const __be32 *vip,
					   const __u8 *my_mac, const __u8 *hw)
{
	__u8 peer_mac[ETH_ALEN];
	__be32 peer_ip[4];
	int dad = !(src_ip[0] | src_ip[1] | src_ip[2] | src_ip[3]);
	int want = sizeof(struct ethhdr) + sizeof(struct ipv6hdr) + sizeof(struct farm_nd);
	struct ethhdr *eth;
	struct ipv6hdr *ip6;
	struct farm_nd *nd;
	__be32 target[4];
	void *data, *end;

	__builtin_memcpy(peer_mac, src_mac, ETH_ALEN);
	__builtin_memcpy(peer_ip, src_ip, 16);
	__builtin_memcpy(target, vip, 16);

	if (bpf_xdp_adjust_tail(ctx, want - (int)(ctx->data_end - ctx->data)))
		return -1;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	ip6 = (void *)(eth + 1);
	nd = (void *)(ip6 + 1);
	if ((void *)(nd + 1) > end)
		return -1;

	if (dad) {
		static const __u8 all_nodes_mac[ETH_ALEN] = {0x33, 0x33, 0, 0, 0, 1};

		__builtin_memcpy(eth->h_dest, all_nodes_mac, ETH_ALEN);
		peer_ip[0] = bpf_htonl(0xff020000);
		peer_ip[1] = 0;
		peer_ip[2] = 0;
		peer_ip[3] = bpf_htonl(1);
	} else {
		__builtin_memcpy(eth->h_dest, peer_mac, ETH_ALEN);
	}
	__builtin_memcpy(eth->h_source, my_mac, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IPV6);

	ip6->version = 6;
	ip6->priority = 0;
	ip6->flow_lbl[0] = 0;
	ip6->flow_lbl[1] = 0;
	ip6->flow_lbl[2] = 0;
	ip6->payload_len = bpf_htons(sizeof(*nd));
	ip6->nexthdr = IPPROTO_ICMPV6;
	ip6->hop_limit = 255;
	__builtin_memcpy(&ip6->saddr, target, 16);
	__builtin_memcpy(&ip6->daddr, peer_ip, 16);

	nd->type = 136; /* neighbour advertisement */
	nd->code = 0;
	nd->cksum = 0;
	nd->flags = bpf_htonl(FARM_NA_OVERRIDE | (dad ? 0 : FARM_NA_SOLICITED));
	__builtin_memcpy(nd->target, target, 16);
	nd->opt_type = FARM_ND_OPT_TLLA;
	nd->opt_len = 1;
	__builtin_memcpy(nd->opt_mac, hw, ETH_ALEN);
	nd->cksum = farm_nd_csum(ip6, nd);
	return 0;
}

#endif /* SAFEFARM_FARM_NEIGH_H */
