/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * farm_abi.h - everything that crosses the kernel/user boundary.
 *
 * Included by the XDP program (bpf/farm_filter.bpf.c) and by the C++ agent
 * alike; never copy a struct from here by hand. Only fixed-width kernel
 * types, explicit padding, no bitfields: tests/bpf/AbiLayoutTest.cpp checks
 * every struct against the BTF of the compiled object.
 *
 * Bump FARM_ABI_VERSION whenever a struct or a map changes shape: an agent
 * refuses to adopt pinned maps of another version.
 */
#ifndef SAFEFARM_FARM_ABI_H
#define SAFEFARM_FARM_ABI_H

#include <linux/types.h>

#define FARM_ABI_VERSION 3

/*
 * 16384 buckets (ABI 3; 8192 before). Balance: a node's share moves in steps
 * of one bucket, 256 per node at 64 equal nodes, so rounding costs at most
 * 0.4% of a share (DESIGN §2 asks for 1%). Disruption: what a join or a
 * removal moves beyond the changed share shrinks as 1/sqrt(buckets); with
 * 8192 the best pure function measured up to 1.04% (equal weights) and
 * 1.22% (weights 1..4) at 64 nodes, over the 1% asked; with 16384, 0.68% and
 * 0.75% (agent/buckets/BucketTable.cpp). A power of two keeps the modulo a
 * mask on the packet path. Two halves (double buffer) plus the per-bucket
 * counters stay about 1 MiB per CPU.
 */
#define FARM_BUCKET_BITS 14
#define FARM_BUCKETS (1 << FARM_BUCKET_BITS) /* 16384 */
#define FARM_BUCKET_MASK (FARM_BUCKETS - 1)

#define FARM_MAX_VIPS 16
#define FARM_MAX_RULES 64
#define FARM_MAX_NODES 255 /* node ids 0..254 */
#define FARM_NODE_NONE 255 /* no owner / no designated node */
#define FARM_FLOWS_MAX 131072

/*
 * The filter reads the coarse monotonic clock (one tick behind at most:
 * 10 ms at HZ=100, the slowest tick Linux has). The data path writes the
 * lease deadline this much early so no packet is accepted past it.
 */
#define FARM_LEASE_SLACK_NS 10000000ULL

#define FARM_ANY_VIP 0xff   /* farm_rule.vip: every VIP */
#define FARM_ANY_PORT 0     /* farm_rule.port: every port */
#define FARM_PROTO_ARP 0xfe /* farm_rule.proto: ARP/NDP answering rule */

/* Pin names, under <bpffs>/safefarm/<instance>/ (see BpfDataPath). */
#define FARM_MAP_STATE "farm_state"
#define FARM_MAP_EPOCHS "farm_epochs"
#define FARM_MAP_BUCKETS "farm_buckets"
#define FARM_MAP_PEER_MACS "farm_peer_macs"
#define FARM_MAP_FLOWS "farm_flows"
#define FARM_MAP_COUNTERS "farm_counters"
#define FARM_MAP_BUCKET_COUNTERS "farm_bkt_count"
#define FARM_PROG_NAME "farm_filter"

enum farm_mode {
	FARM_MODE_VMAC_INVISIBLE = 0, /* frames to the shared vMAC, flooded */
	FARM_MODE_VMAC_DIRECTED = 1,  /* frames to each node's MAC, relayed */
};

enum farm_filter_kind {
	FARM_FILTER_ON_ADDR = 0, /* client address */
	FARM_FILTER_ON_PORT = 1, /* client address and port */
	FARM_FILTER_ON_IPID = 2, /* client address and IPv4 identification */
};

/*
 * Verdicts and reasons: one numbered list shared by the program, the agent,
 * the CLI and the console. Counters are indexed by it. Numbers are never
 * reused: retire an entry by renaming it FARM_R_RETIRED_<n>.
 */
enum farm_reason {
	FARM_R_PASS_OTHER = 0,        /* not VIP traffic: left to the stack untouched */
	FARM_R_PASS_VLAN = 1,         /* 802.1Q/802.1ad tagged: attach to the VLAN device instead */
	FARM_R_ACCEPT_OWNER = 2,      /* this node owns the bucket */
	FARM_R_ACCEPT_FLOW = 3,       /* bucket in transition, a flow this node holds */
	FARM_R_ACCEPT_NEW_FLOW = 4,   /* bucket in transition, a new flow for the new owner */
	FARM_R_ACCEPT_DESIGNATED = 5, /* no rule matches, this node is the designated node */
	FARM_R_TX_ARP_REPLY = 6,      /* answered an ARP request for a VIP */
	FARM_R_TX_NDP_ADVERT = 7,     /* answered a neighbour solicitation for a VIP */
	FARM_R_TX_RELAY = 8,          /* vmac_directed: sent on to the owner */
	FARM_R_DROP_NOT_OWNER = 9,    /* another node owns the bucket */
	FARM_R_DROP_NOT_DESIGNATED = 10, /* no rule matches, another node is designated */
	FARM_R_DROP_LEASE = 11,          /* the agent's lease expired: node fenced */
	FARM_R_DROP_NO_EPOCH = 12,       /* VIP traffic before any table was installed */
	FARM_R_DROP_MALFORMED = 13,      /* VIP traffic with a truncated or invalid header */
	FARM_R_DROP_TRANSITION_OLD = 14, /* old owner in transition: not one of its flows */
	FARM_R_DROP_TRANSITION_NEW = 15, /* new owner in transition: a flow of the old owner */
	FARM_R_DROP_NOT_RESPONDER = 16,  /* ARP/NS for a VIP, another node answers it */
	FARM_R_DROP_VIP_ANNOUNCE = 17,   /* a peer's gratuitous ARP / unsolicited NA for a VIP */
	FARM_R_DROP_RELAY_LOOP = 18,     /* relayed by a peer, not ours: never relayed twice */
	FARM_R_DROP_NO_PEER = 19,        /* the owner's MAC is unknown in this epoch */
	FARM_R_MAX = 20,
};

/* farm_bucket.flags */
#define FARM_BUCKET_TRANSITION 0x1 /* moving from prev_owner to owner (DESIGN §3) */

/* farm_flow.kind */
enum farm_flow_kind {
	FARM_FLOW_OWN = 1,     /* accepted by this node */
	FARM_FLOW_FOREIGN = 2, /* handed over by the old owner's agent: leave it alone */
	FARM_FLOW_RELAYED = 3, /* vmac_directed: this entry node relayed its SYN to relay_to */
};

/* farm_flow.flags */
#define FARM_FLOW_FIN 0x1 /* a FIN was seen while the bucket was in transition */
#define FARM_FLOW_RST 0x2 /* a RST was seen while the bucket was in transition */

/* farm_state: one entry, mmapped by the agent, written with atomic stores. */
struct farm_state {
	__u32 active;            /* which half of farm_epochs/farm_buckets packets read */
	__u32 abi_version;       /* FARM_ABI_VERSION of the agent that created the maps */
	__u64 lease_deadline_ns; /* CLOCK_MONOTONIC; VIP traffic is fenced from then on */
	__u64 lease_cache;       /* written by the filter only: tag << 32 | jiffies deadline */
};

struct farm_vip {
	__u8 family; /* AF_INET or AF_INET6; 0 = unused */
	__u8 pad[3];
	__be32 addr[4]; /* IPv4 in addr[0] */
};

struct farm_rule {
	__u8 vip;    /* index into farm_epoch.vips, or FARM_ANY_VIP */
	__u8 proto;  /* IPPROTO_TCP, IPPROTO_UDP or FARM_PROTO_ARP */
	__u8 filter; /* enum farm_filter_kind */
	__u8 pad;
	__be16 port; /* destination (service) port, FARM_ANY_PORT = every port */
	__u16 pad2;
};

struct farm_peer {
	__u8 mac[6]; /* all zero: not known yet (no relay to it) */
	__u8 valid;
	__u8 pad;
};

/* One half of the double buffer: everything a packet needs for one epoch. */
struct farm_epoch {
	__u64 epoch; /* 0 = nothing installed */
	__u8 mode;   /* enum farm_mode */
	__u8 my_id;
	__u8 designated; /* node that takes VIP traffic matching no rule, answers ARP */
	__u8 nr_vips;
	__u8 nr_rules;
	__u8 arp_filter; /* FARM_FILTER_ON_ADDR: ARP/NS answered by hash owner; else 0xff */
	__u8 pad[2];
	__u8 vmac[6];
	__u8 my_mac[6];
	__u8 pad2[4];
	__u64 hash_key[2]; /* cluster-wide SipHash key: clients cannot aim at a node */
	struct farm_vip vips[FARM_MAX_VIPS];
	struct farm_rule rules[FARM_MAX_RULES];
	struct farm_peer peers[FARM_MAX_NODES + 1]; /* by node id, for relays */
};

struct farm_bucket {
	__u8 owner;      /* node id or FARM_NODE_NONE */
	__u8 prev_owner; /* during a transition: the node the bucket leaves */
	__u8 flags;      /* FARM_BUCKET_* */
	__u8 pad;
};

struct farm_mac_key {
	__u8 mac[6];
	__u16 pad;
};

struct farm_flow_key {
	__be32 saddr[4]; /* client */
	__be32 daddr[4]; /* VIP */
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 family;
	__u16 pad;
};

struct farm_flow {
	__u64 last_seen_ns;
	__u32 bucket;
	__u8 kind;     /* enum farm_flow_kind */
	__u8 relay_to; /* FARM_FLOW_RELAYED: the node its SYN went to */
	__u8 flags;    /* FARM_FLOW_* */
	__u8 pad;
};

struct farm_counter {
	__u64 packets;
	__u64 bytes;
};

#endif /* SAFEFARM_FARM_ABI_H */
