#!/usr/bin/env python3
"""What the clients of the VIP see, request by request.

    conn_probe.py VIP SRC... --duration S [--interval-ms 40] [--timeout-ms 3000]
                  [--path /whoami] [--port 80]

From every source address a new connection every --interval-ms (HTTP/1.0
GET --path, the whole answer read, closed): one epoll loop, non-blocking
sockets, attempts overlapping, as safefarm-gap-probe (GapProbe.cpp) does,
so the measure does not wait for one attempt to end before starting the
next. Unlike GapProbe, an attempt is not given up after 200 ms: it runs
until answered, refused, reset or --timeout-ms (default 3 s: long enough
for one SYN retransmission at 1 s, as a browser would wait), so a request
that a client would see fail is told apart from one that was only slow.

One JSON object on stdout:
  attempts, answered, failed            every request started in --duration
  failures {reset, refused, timeout, bad_answer, other}
  longest_wait_ms   the longest any request waited for its answer, or
                    failed (an answered request: connect to the end of the
                    answer; a failed one: until it failed), and any client's
                    longest time without an answer (as GapProbe's gap)
  longest_gap_ms    the longest time a client went without an answer
  slowest_answer_ms the slowest answered request
  per_client {SRC: {attempts, failed, longest_wait_ms, longest_gap_ms, last_node}}
  nodes {NODE: answers}   who answered (the body of /whoami)
  probe_lag_max_ms  how late the probe started a round (its own scheduling:
                    a large value means the probe, not the farm, stalled)
Requests still in flight at the end are waited for (up to --timeout-ms)
and counted. Runs inside the lab's client namespace."""
import argparse
import errno
import json
import resource
import select
import socket
import sys
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("vip")
    p.add_argument("srcs", nargs="+")
    p.add_argument("--duration", type=float, required=True)
    p.add_argument("--interval-ms", type=float, default=40)
    p.add_argument("--timeout-ms", type=float, default=3000)
    p.add_argument("--path", default="/whoami")
    p.add_argument("--port", type=int, default=80)
    a = p.parse_args()
    if not 0 < a.duration <= 3600 or a.interval_ms <= 0 or a.timeout_ms <= 0:
        p.error("bad --duration, --interval-ms or --timeout-ms")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    family = socket.AF_INET6 if ":" in a.vip else socket.AF_INET
    request = f"GET {a.path} HTTP/1.0\r\nHost: {a.vip}\r\n\r\n".encode()
    interval = a.interval_ms / 1000
    timeout = a.timeout_ms / 1000

    ep = select.epoll()
    inflight = {}  # fd -> [sock, src index, started, connected, reply]
    n = len(a.srcs)
    per = [dict(attempts=0, failed=0, wait=0.0, gap=0.0, last=None, last_node=None) for _ in range(n)]
    failures = dict(reset=0, refused=0, timeout=0, bad_answer=0, other=0)
    nodes = {}
    totals = dict(attempts=0, answered=0, failed=0, slowest=0.0, lag=0.0)

    print("conn_probe: probing %d clients for %.1f s" % (n, a.duration), file=sys.stderr, flush=True)
    start = time.monotonic()
    end = start + a.duration
    for s in per:
        s["last"] = start

    def finish(fd, ok, why, t):
        sock, i, started, _, reply = inflight.pop(fd)
        try:
            ep.unregister(fd)
        except OSError:
            pass
        sock.close()
        s = per[i]
        took = t - started
        s["wait"] = max(s["wait"], took)
        if ok:
            totals["answered"] += 1
            totals["slowest"] = max(totals["slowest"], took)
            s["gap"] = max(s["gap"], t - s["last"])
            s["last"] = max(s["last"], t)
            body = reply.partition(b"\r\n\r\n")[2].decode(errors="replace").strip() or "?"
            nodes[body] = nodes.get(body, 0) + 1
            s["last_node"] = body
        else:
            totals["failed"] += 1
            s["failed"] += 1
            failures[why] += 1

    def fail_kind(err):
        if err == errno.ECONNRESET or err == errno.EPIPE:
            return "reset"
        if err == errno.ECONNREFUSED:
            return "refused"
        if err == errno.ETIMEDOUT:
            return "timeout"
        return "other"

    next_round = start
    while True:
        now = time.monotonic()
        if now >= end and not inflight:
            break
        if now >= end + timeout + 0.5:  # bounded whatever happens
            break
        if now < end and now >= next_round:
            totals["lag"] = max(totals["lag"], now - next_round)
            for i, src in enumerate(a.srcs):
                sock = socket.socket(family, socket.SOCK_STREAM | socket.SOCK_NONBLOCK)
                try:
                    sock.bind((src, 0))
                    err = sock.connect_ex((a.vip, a.port))
                except OSError as e:
                    err = e.errno
                per[i]["attempts"] += 1
                totals["attempts"] += 1
                if err not in (0, errno.EINPROGRESS):
                    sock.close()
                    totals["failed"] += 1
                    per[i]["failed"] += 1
                    failures[fail_kind(err)] += 1
                    continue
                fd = sock.fileno()
                inflight[fd] = [sock, i, now, False, b""]
                ep.register(fd, select.EPOLLOUT)
            next_round += interval
            if next_round < now:
                next_round = now + interval  # fell behind: no burst
        # Time-outs.
        for fd in [fd for fd, v in inflight.items() if now - v[2] >= timeout]:
            finish(fd, False, "timeout", now)
        wait = max(0.0, min(next_round - now if now < end else 0.05, 0.05))
        try:
            events = ep.poll(wait)
        except InterruptedError:
            continue
        t = time.monotonic()
        for fd, ev in events:
            v = inflight.get(fd)
            if v is None:
                continue
            sock = v[0]
            if not v[3]:
                err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    finish(fd, False, fail_kind(err), t)
                    continue
                try:
                    sock.send(request)
                except OSError as e:
                    finish(fd, False, fail_kind(e.errno), t)
                    continue
                v[3] = True
                ep.modify(fd, select.EPOLLIN)
                continue
            try:
                data = sock.recv(4096)
            except BlockingIOError:
                continue
            except OSError as e:
                finish(fd, False, fail_kind(e.errno), t)
                continue
            if data:
                v[4] += data
                continue
            reply = v[4]
            ok = reply.startswith(b"HTTP/1.1 200") or reply.startswith(b"HTTP/1.0 200")
            finish(fd, ok, "bad_answer", t)
    t = time.monotonic()
    for fd in list(inflight):
        finish(fd, False, "timeout", t)
    stop = min(t, end)
    for s in per:
        s["gap"] = max(s["gap"], stop - s["last"]) if s["last"] < stop else s["gap"]
    ms = lambda x: int(round(x * 1000))
    out = dict(
        clients=n,
        seconds=round(t - start, 3),
        interval_ms=a.interval_ms,
        timeout_ms=a.timeout_ms,
        attempts=totals["attempts"],
        answered=totals["answered"],
        failed=totals["failed"],
        failures=failures,
        longest_gap_ms=ms(max(s["gap"] for s in per)),
        slowest_answer_ms=ms(totals["slowest"]),
        longest_wait_ms=ms(max(max(s["gap"], s["wait"]) for s in per)),
        probe_lag_max_ms=ms(totals["lag"]),
        nodes=nodes,
        per_client={src: dict(attempts=s["attempts"], failed=s["failed"],
                              longest_wait_ms=ms(max(s["gap"], s["wait"])), longest_gap_ms=ms(s["gap"]),
                              last_node=s["last_node"])
                    for src, s in zip(a.srcs, per)},
    )
    print(json.dumps(out, sort_keys=True))


main()
