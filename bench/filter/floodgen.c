/*
 * floodgen - the UDP flood of bench/filter/flood.sh, and a helper for it.
 *
 *   floodgen send IFNAME SRC_MAC DST_MAC DST_IP DST_PORT COUNT SIZE < sources
 *       Sends exactly COUNT UDP/IPv4 frames of SIZE bytes (Ethernet frame
 *       without FCS, 60..1514) on IFNAME through an AF_PACKET socket, cycling
 *       through the IPv4 source addresses read from stdin (one a line, at
 *       most 65536). Frames are built once; sendmmsg in batches of 64.
 *       Prints {"sent":N,"seconds":S,"pps":R} on stdout.
 *
 *   floodgen jhash-select SEED MOD LOCAL < addresses
 *       Prints the IPv4 addresses whose nft `jhash ip saddr mod MOD seed
 *       SEED` is not LOCAL, i.e. the ones a kernel cluster rule on node
 *       LOCAL drops. Same arithmetic as the kernel's jhash() (lookup3) on the
 *       4 address bytes and reciprocal_scale() (net/netfilter/nft_hash.c).
 *
 * Only ever run inside the lab's client namespace: it sends on whatever
 * interface it is given.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SOURCES 65536
#define BATCH 64

static uint32_t rol32(uint32_t w, unsigned s)
{
	return (w << s) | (w >> (32 - s));
}

/* include/linux/jhash.h: jhash() for a 4-byte key. */
static uint32_t jhash4(const uint8_t k[4], uint32_t initval)
{
	uint32_t a, b, c;
	a = b = c = 0xdeadbeef + 4 + initval;
	a += (uint32_t)k[3] << 24;
	a += (uint32_t)k[2] << 16;
	a += (uint32_t)k[1] << 8;
	a += k[0];
	c ^= b;
	c -= rol32(b, 14);
	a ^= c;
	a -= rol32(c, 11);
	b ^= a;
	b -= rol32(a, 25);
	c ^= b;
	c -= rol32(b, 16);
	a ^= c;
	a -= rol32(c, 4);
	b ^= a;
	b -= rol32(a, 14);
	c ^= b;
	c -= rol32(b, 24);
	return c;
}

static int parse_mac(const char *s, uint8_t m[6])
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2], &m[3], &m[4],
		      &m[5]) == 6
		   ? 0
		   : -1;
}

static uint16_t csum(const void *p, size_t n)
{
	const uint16_t *w = p;
	uint32_t s = 0;
	for (; n > 1; n -= 2)
		s += *w++;
	if (n)
		s += *(const uint8_t *)w;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static int jhash_select(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: floodgen jhash-select SEED MOD LOCAL < addresses\n");
		return 2;
	}
	uint32_t seed = strtoul(argv[2], NULL, 0), mod = strtoul(argv[3], NULL, 0),
		 local = strtoul(argv[4], NULL, 0);
	char line[128];
	while (fgets(line, sizeof line, stdin)) {
		line[strcspn(line, "\r\n")] = 0;
		struct in_addr a;
		if (inet_pton(AF_INET, line, &a) != 1)
			continue;
		uint32_t h =
		    (uint32_t)(((uint64_t)jhash4((const uint8_t *)&a.s_addr, seed) * mod) >> 32);
		if (h != local)
			puts(line);
	}
	return 0;
}

static int send_flood(int argc, char **argv)
{
	if (argc != 9) {
		fprintf(stderr, "usage: floodgen send IFNAME SRC_MAC DST_MAC DST_IP DST_PORT COUNT "
				"SIZE < sources\n");
		return 2;
	}
	uint8_t smac[6], dmac[6];
	struct in_addr dst;
	if (parse_mac(argv[3], smac) || parse_mac(argv[4], dmac) ||
	    inet_pton(AF_INET, argv[5], &dst) != 1) {
		fprintf(stderr, "floodgen: bad MAC or address\n");
		return 2;
	}
	unsigned dport = strtoul(argv[6], NULL, 0);
	unsigned long long count = strtoull(argv[7], NULL, 0);
	size_t size = strtoul(argv[8], NULL, 0);
	if (size < 60 || size > 1514 || dport > 65535) {
		fprintf(stderr, "floodgen: SIZE 60..1514, DST_PORT 0..65535\n");
		return 2;
	}
	unsigned ifindex = if_nametoindex(argv[2]);
	if (!ifindex) {
		fprintf(stderr, "floodgen: no interface %s\n", argv[2]);
		return 1;
	}

	static uint8_t *frames[MAX_SOURCES];
	size_t n = 0;
	char line[128];
	while (n < MAX_SOURCES && fgets(line, sizeof line, stdin)) {
		line[strcspn(line, "\r\n")] = 0;
		struct in_addr src;
		if (inet_pton(AF_INET, line, &src) != 1)
			continue;
		uint8_t *f = calloc(1, size);
		if (!f)
			return 1;
		struct ether_header *eth = (void *)f;
		memcpy(eth->ether_dhost, dmac, 6);
		memcpy(eth->ether_shost, smac, 6);
		eth->ether_type = htons(ETHERTYPE_IP);
		struct iphdr *ip = (void *)(f + sizeof *eth);
		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = IPPROTO_UDP;
		ip->tot_len = htons(size - sizeof *eth);
		ip->id = htons((uint16_t)n);
		ip->saddr = src.s_addr;
		ip->daddr = dst.s_addr;
		ip->check = csum(ip, sizeof *ip);
		struct udphdr *udp = (void *)(ip + 1);
		udp->source = htons(10000 + (n % 50000));
		udp->dest = htons(dport);
		udp->len = htons(size - sizeof *eth - sizeof *ip);
		udp->check = 0; /* optional over IPv4 */
		frames[n++] = f;
	}
	if (!n) {
		fprintf(stderr, "floodgen: no source addresses on stdin\n");
		return 2;
	}

	int fd = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: send only, never receives */
	if (fd < 0) {
		perror("floodgen: socket");
		return 1;
	}
	int one = 1;
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_halen = 6};
	memcpy(sll.sll_addr, dmac, 6);

	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	memset(msgs, 0, sizeof msgs);
	for (int i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &sll;
		msgs[i].msg_hdr.msg_namelen = sizeof sll;
		iov[i].iov_len = size;
	}

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	unsigned long long sent = 0;
	size_t next = 0;
	int stalls = 0;
	while (sent < count) {
		int b = count - sent < BATCH ? (int)(count - sent) : BATCH;
		for (int i = 0; i < b; i++) {
			iov[i].iov_base = frames[next];
			next = next + 1 == n ? 0 : next + 1;
		}
		int r = sendmmsg(fd, msgs, b, 0);
		if (r < 0) {
			if ((errno == ENOBUFS || errno == EAGAIN) && ++stalls < 1000000) {
				continue;
			}
			perror("floodgen: sendmmsg");
			break;
		}
		/* A short batch: the unsent frames are simply sent in the next round;
		 * the source cycle moves on, which does not matter for a flood. */
		sent += (unsigned)r;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("{\"sent\":%llu,\"seconds\":%.3f,\"pps\":%.0f}\n", sent, s, s > 0 ? sent / s : 0.0);
	close(fd);
	return sent == count ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "send"))
		return send_flood(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "jhash-select"))
		return jhash_select(argc, argv);
	fprintf(stderr, "usage: floodgen send … | floodgen jhash-select …\n");
	return 2;
}
