// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_harness.bpf.c - the two programs farm_filter_bench measures against.
 *
 * bare_pass: XDP_PASS and nothing else, the floor of BPF_PROG_TEST_RUN.
 * ktime_pass: one bpf_ktime_get_ns(), for reference (the lease check's cost).
 *
 * bench_restore: BPF_PROG_TEST_RUN with repeat runs the program again and
 * again on the same buffer, and farm_filter rewrites frames in place (the
 * destination MAC on accept, the whole ARP body on a reply), so from the
 * second repetition on it would measure another path. This wrapper copies
 * the first 42 bytes of the original frame back (Ethernet + ARP, or
 * Ethernet + the start of IPv4/IPv6: everything the filter writes), then
 * tail-calls the program under test from bench_target[0]. Every path, and
 * bare_pass too, is measured through it, so its cost cancels in the deltas.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define BENCH_RESTORE_LEN 42

struct bench_frame {
	__u8 bytes[BENCH_RESTORE_LEN];
};

/* The program under test, slot 0. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_target SEC(".maps");

/* The first bytes of the frame as it must look before every repetition. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_frame);
} bench_template SEC(".maps");

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int bare_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

/* bpf_ktime_get_ns() and XDP_PASS: what one clock read costs (the lease check). */
SEC("xdp")
int ktime_pass(struct xdp_md *ctx)
{
	return bpf_ktime_get_ns() ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int bench_restore(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 zero = 0;
	struct bench_frame *t = bpf_map_lookup_elem(&bench_template, &zero);

	if (!t || data + BENCH_RESTORE_LEN > end)
		return XDP_ABORTED;
	__builtin_memcpy(data, t->bytes, BENCH_RESTORE_LEN);
	bpf_tail_call(ctx, &bench_target, 0);
	return XDP_ABORTED; /* empty slot */
}
