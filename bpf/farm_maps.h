/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * farm_maps.h - the maps of the farm filter, one block each.
 *
 * All are pinned by name (LIBBPF_PIN_BY_NAME) under the instance's pin root,
 * so a restarted agent finds them and the filter never stops.
 */
#ifndef SAFEFARM_FARM_MAPS_H
#define SAFEFARM_FARM_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "farm_abi.h"

/* Active half and lease; mmapped by the agent and written with atomic stores. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct farm_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} farm_state SEC(".maps");

/* Two halves of the epoch configuration (VIPs, rules, peers): index = half. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct farm_epoch);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} farm_epochs SEC(".maps");

/* Two halves of the bucket table: index = half * FARM_BUCKETS + bucket. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * FARM_BUCKETS);
	__type(key, __u32);
	__type(value, struct farm_bucket);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} farm_buckets SEC(".maps");

/* MACs of the farm peers: a frame from one of them was relayed already. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FARM_MAX_NODES);
	__type(key, struct farm_mac_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} farm_peer_macs SEC(".maps");

/* Flows this node accepted (or was told to leave alone) - DESIGN §3. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FARM_FLOWS_MAX);
	__type(key, struct farm_flow_key);
	__type(value, struct farm_flow);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} farm_flows SEC(".maps");

/* Packets and bytes per enum farm_reason, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FARM_R_MAX);
	__type(key, __u32);
	__type(value, struct farm_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} farm_counters SEC(".maps");

/* Packets per bucket (VIP traffic that matched a rule), per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FARM_BUCKETS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} farm_bkt_count SEC(".maps");

#endif /* SAFEFARM_FARM_MAPS_H */
