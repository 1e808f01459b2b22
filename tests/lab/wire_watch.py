#!/usr/bin/env python3
"""Watches the VIP's TCP handshakes on the wire, as a client would see them,
and says which node sent each answer.

    wire_watch.py --duration S [--vip 198.18.0.100] [--vip6 2001:db8::100]
                  [--mode switch|client] [--node-mac NAME=MAC ...] [--port N ...]

Python 3 only: one AF_PACKET raw socket, a classic BPF filter attached to it
(only TCP segments with SYN or RST; in switch mode only the frames a port
received: the copies the bridge sends out again are left to the kernel),
bounded by --duration (SIGTERM or SIGINT end it early; the report is printed either
way). No tcpdump.

Telling the nodes apart. In vmac_invisible every node answers from the VIP
and the IP header says nothing about the sender (TTL 64 everywhere, IP ids
per socket). What does differ:
  --mode switch (default; run it in the lab's switch namespace, ${P}sw): the
      frame comes in on the bridge port of the node that sent it: ports n1,
      n2, … are the nodes, port cl the client. This does not depend on any
      MAC, so it holds in vmac_invisible, vmac_directed and whatever MAC a
      node writes (the lab names every port after its namespace).
  --mode client (run it in the client namespace, ${P}cl): the source MAC of
      the answer. In the lab a node answers from eth0's own MAC
      (02:5f:ab:00:00:0k: the vMAC is only a destination, accepted through
      the unicast filter), so the MAC names the node; --node-mac NAME=MAC
      maps them (default: the lab's plan, n1..n64). An answer from an
      unknown MAC is counted under the MAC itself. Both modes gave the same
      counts, node by node, side by side in the lab with safed (vmac_invisible,
      one-way heartbeat loss: 4513 SYNs, 369 double answers each).

Counted, for the VIP (IPv4 and, with --vip6, IPv6), on the server ports
(--port, default 80 and 443):
  syns_seen            SYNs from the client to the VIP (retransmissions too)
  synacks              SYN-ACKs from the VIP
  syns_answered_twice  handshakes (client addr, client port, server port,
                       client ISN = ack - 1) answered by two or more nodes:
                       a node serving on a stale view next to the owner
  synacks_repeated     handshakes answered more than once by the same node
                       (retransmitted SYN-ACKs: not a fault in themselves)
  syns_unanswered      distinct SYNs (addr, port, ISN) no SYN-ACK acked
  syns_retransmitted   distinct SYNs seen more than once (the client
                       waited for its RTO, 1 s at first: lost, or not
                       answered in time)
  rsts_from_vip        RST segments from the VIP to a client
  rsts_to_vip          RST segments from a client to the VIP (a client
                       resets a second, unwanted handshake)
  per_node             {node: {"synacks": n, "rsts": n}}
  capture_drops        frames the kernel dropped for this socket (should be
                       0; the counts are a lower bound otherwise)
  duplicates           the first 10 double answers: key, nodes, times (s)
  retransmissions      the first 10 retransmitted SYNs: key, times (s) of
                       the first and last copy, copies, who answered
  start_wall_ms        the wall clock at the start (times above count from it)
One JSON object on stdout."""
import argparse
import ctypes
import json
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
SOL_PACKET = 263
PACKET_STATISTICS = 6
SO_ATTACH_FILTER = 26
SKF_AD_OFF = -0x1000
SKF_AD_PKTTYPE = 4

# Classic BPF opcodes.
LD_W_ABS, LD_H_ABS, LD_B_ABS, LD_B_IND, LDX_B_MSH = 0x20, 0x28, 0x30, 0x50, 0xB1
JEQ_K, JSET_K, RET_K = 0x15, 0x45, 0x06


class SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(SockFilter))]


def bpf_program(drop_outgoing):
    """Keep a frame when: not outgoing (drop_outgoing), untagged IPv4/TCP (any header length,
    first fragment) or IPv6/TCP (no extension header), SYN or RST set."""
    # Jumps name their targets; the offsets are worked out at the end.
    prog = []
    labels = {}
    fix = []

    def emit(code, k=0, jt=None, jf=None):
        fix.append((len(prog), jt, jf))
        prog.append([code, 0, 0, k & 0xFFFFFFFF])

    def label(name):
        labels[name] = len(prog)

    if drop_outgoing:
        emit(LD_W_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE)
        emit(JEQ_K, PACKET_OUTGOING, jt="drop", jf="next")
    emit(LD_H_ABS, 12)
    emit(JEQ_K, 0x0800, jt="next", jf="v6")
    emit(LD_B_ABS, 23)
    emit(JEQ_K, 6, jt="next", jf="drop")
    emit(LD_H_ABS, 20)
    emit(JSET_K, 0x1FFF, jt="drop", jf="next")
    emit(LDX_B_MSH, 14)
    emit(LD_B_IND, 14 + 13)
    emit(0x05, 0, jt="flags")  # ja flags (k is patched below)
    label("v6")
    emit(JEQ_K, 0x86DD, jt="next", jf="drop")
    emit(LD_B_ABS, 20)
    emit(JEQ_K, 6, jt="next", jf="drop")
    emit(LD_B_ABS, 14 + 40 + 13)
    label("flags")
    emit(JSET_K, 0x06, jt="keep", jf="drop")  # SYN (0x02) or RST (0x04)
    label("keep")
    emit(RET_K, 0xFFFF)
    label("drop")
    emit(RET_K, 0)
    for i, jt, jf in fix:
        code = prog[i][0]
        if code == 0x05:  # ja: k is the offset
            prog[i][3] = labels[jt] - i - 1
            continue
        if jt is None:
            continue
        t = i + 1 if jt == "next" else labels[jt]
        f = i + 1 if jf == "next" else labels[jf]
        prog[i][1], prog[i][2] = t - i - 1, f - i - 1
        assert 0 <= prog[i][1] < 256 and 0 <= prog[i][2] < 256
    return prog


def attach_filter(sock, prog):
    arr = (SockFilter * len(prog))(*[SockFilter(c, jt, jf, k) for c, jt, jf, k in prog])
    fprog = SockFprog(len(prog), arr)
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, bytes(ctypes.string_at(ctypes.addressof(fprog),
                                                                                ctypes.sizeof(fprog))))
    return arr  # keep it alive while attached (the kernel copied it; harmless)


def mac_str(b):
    return ":".join("%02x" % x for x in b)


def default_macs():
    return {"02:5f:ab:00:00:%02x" % k: "n%d" % k for k in range(1, 65)}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--duration", type=float, required=True, help="seconds (bounded; at most 3600)")
    p.add_argument("--vip", default="198.18.0.100")
    p.add_argument("--vip6", default="", help="the IPv6 VIP, when the lab has one on the farm")
    p.add_argument("--mode", choices=("switch", "client"), default="switch")
    p.add_argument("--node-mac", action="append", default=[], help="NAME=MAC (client mode)")
    p.add_argument("--port", type=int, action="append", default=[], help="server port (default 80, 443)")
    p.add_argument("--client-port-name", default="cl", help="switch mode: the client's bridge port")
    a = p.parse_args()
    if not 0 < a.duration <= 3600:
        p.error("--duration: 0 < S <= 3600")
    ports = set(a.port or [80, 443])
    vips = {socket.inet_pton(socket.AF_INET, a.vip)}
    if a.vip6:
        vips.add(socket.inet_pton(socket.AF_INET6, a.vip6))
    macs = default_macs()
    for m in a.node_mac:
        name, _, mac = m.partition("=")
        macs[mac.lower()] = name

    # ETH_P_ALL, not bound to a device: every device of the namespace.
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    keep = attach_filter(s, bpf_program(a.mode == "switch"))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    # Frames queued before the filter was attached: read and forget them.
    s.setblocking(False)
    try:
        while True:
            s.recv(65535)
    except BlockingIOError:
        pass
    s.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)  # reading resets the counters

    names = {}

    def ifname(idx):
        if idx not in names:
            try:
                names[idx] = socket.if_indextoname(idx)
            except OSError:
                names[idx] = "if%d" % idx
        return names[idx]

    syns = 0
    syn_keys = set()
    answers = {}  # (caddr, cport, sport, isn) -> {node: count}
    first_at = {}  # key -> {node: time}
    rsts_from, rsts_to, synacks = 0, 0, 0
    per_node = {}
    stop = [False]

    def on_signal(*_):
        stop[0] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print("wire_watch: capturing (%s mode) for %.1f s" % (a.mode, a.duration), file=sys.stderr, flush=True)
    start = time.monotonic()
    start_wall_ms = int(time.time() * 1000)
    syn_times = {}
    end = start + a.duration
    while not stop[0]:
        now = time.monotonic()
        if now >= end:
            break
        try:
            r, _, _ = select.select([s], [], [], min(0.2, end - now))
        except InterruptedError:
            continue
        if not r:
            continue
        while True:
            try:
                frame, addr = s.recvfrom(256)
            except BlockingIOError:
                break
            except InterruptedError:
                continue
            # addr: (ifname, proto, pkttype, hatype, hwaddr)
            dev, pkttype = addr[0], addr[2]
            # Switch mode: what a port received (the bridge's copies out of
            # the other ports are the same frames again). Client mode: what
            # the client sends too (its SYNs), from its own eth0 only.
            if len(frame) < 14 or (pkttype == PACKET_OUTGOING and a.mode == "switch"):
                continue
            etype = struct.unpack_from("!H", frame, 12)[0]
            if etype == 0x0800 and len(frame) >= 34:
                ihl = (frame[14] & 0x0F) * 4
                if frame[23] != 6:
                    continue
                src, dst = frame[26:30], frame[30:34]
                t = 14 + ihl
            elif etype == 0x86DD and len(frame) >= 54:
                if frame[20] != 6:
                    continue
                src, dst = frame[22:38], frame[38:54]
                t = 54
            else:
                continue
            if len(frame) < t + 14:
                continue
            sport, dport, seq, ack = struct.unpack_from("!HHII", frame, t)
            flags = frame[t + 13]
            syn, rst, ackf = flags & 0x02, flags & 0x04, flags & 0x10
            if a.mode == "switch":
                sender = dev
            else:
                m = mac_str(frame[6:12])
                sender = macs.get(m, m)
            if dst in vips and dport in ports:
                caddr = socket.inet_ntop(socket.AF_INET if len(src) == 4 else socket.AF_INET6, src)
                if syn and not ackf:
                    syns += 1
                    k = (caddr, sport, dport, seq)
                    syn_keys.add(k)
                    at = round(time.monotonic() - start, 3)
                    syn_times.setdefault(k, []).append(at)
                elif rst:
                    rsts_to += 1
            elif src in vips and sport in ports:
                caddr = socket.inet_ntop(socket.AF_INET if len(dst) == 4 else socket.AF_INET6, dst)
                node = per_node.setdefault(sender, {"synacks": 0, "rsts": 0})
                if syn and ackf:
                    synacks += 1
                    node["synacks"] += 1
                    key = (caddr, dport, sport, (ack - 1) & 0xFFFFFFFF)
                    d = answers.setdefault(key, {})
                    d[sender] = d.get(sender, 0) + 1
                    first_at.setdefault(key, {}).setdefault(sender, round(time.monotonic() - start, 3))
                elif rst:
                    rsts_from += 1
                    node["rsts"] += 1
    stats = s.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)
    _, drops = struct.unpack("II", stats)
    s.close()
    del keep
    twice = [k for k, d in answers.items() if len(d) > 1]
    repeated = sum(1 for d in answers.values() if any(n > 1 for n in d.values()))
    answered = {(k[0], k[1], k[2], k[3]) for k in answers}
    resent = sorted((k for k, t in syn_times.items() if len(t) > 1), key=lambda k: syn_times[k][0])
    out = {
        "mode": a.mode,
        "seconds": round(time.monotonic() - start, 3),
        "syns_seen": syns,
        "synacks": synacks,
        "handshakes_answered": len(answers),
        "syns_answered_twice": len(twice),
        "synacks_repeated": repeated,
        "syns_unanswered": len(syn_keys - answered),
        "rsts_from_vip": rsts_from,
        "rsts_to_vip": rsts_to,
        "per_node": per_node,
        "capture_drops": drops,
        "duplicates": [dict(client=k[0], cport=k[1], sport=k[2], isn=k[3], nodes=answers[k], first_at=first_at[k])
                       for k in twice[:10]],
        "syns_retransmitted": len(resent),
        "retransmissions": [dict(client=k[0], cport=k[1], sport=k[2], first_at=syn_times[k][0], last_at=syn_times[k][-1],
                                 copies=len(syn_times[k]), nodes=answers.get(k, {})) for k in resent[:10]],
        "start_wall_ms": start_wall_ms,
    }
    print(json.dumps(out, sort_keys=True))


main()
