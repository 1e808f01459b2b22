#!/usr/bin/env python3
"""Asks the VIP "who are you" from many client source addresses at once,
each retrying on its own until answered: a new connection every attempt
(so a SYN lost while buckets move does not wait for TCP's 1 s
retransmission), each attempt bounded by --attempt seconds.

    probe.py VIP SRC... [--limit S] [--attempt S] [--path /whoami] [--since MS]

With --watch S: "SRC LASTNODE GAP_MS", the longest time that source went
without an answer (an attempt takes up to --attempt, so GAP_MS has that
resolution).

Otherwise prints one line per source: "SRC NODE MS" (MS from --since, wall-clock
milliseconds such as `date +%s%3N` when the failure was injected, or from
the probe's start, until that source was answered) or "SRC NONE -1". Runs
inside the client namespace."""
import argparse
import socket
import threading
import time


def ask(vip, src, path, attempt):
    s = socket.socket(socket.AF_INET6 if ":" in vip else socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.settimeout(attempt)
        s.bind((src, 0))
        s.connect((vip, 80))
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: {vip}\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200") and not head.startswith(b"HTTP/1.0 200"):
            return None
        return body.decode().strip() or None
    except OSError:
        return None
    finally:
        s.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("vip")
    p.add_argument("srcs", nargs="+")
    p.add_argument("--limit", type=float, default=15.0)
    p.add_argument("--attempt", type=float, default=0.25)
    p.add_argument("--path", default="/whoami")
    p.add_argument("--since", type=int, default=0)
    p.add_argument("--watch", type=float, default=0,
                   help="ask again and again for this many seconds; print each source's longest "
                        "time without an answer (ms) and the node that answered last")
    a = p.parse_args()
    start = time.monotonic()
    # Python's own start-up counts: the clock runs from the injection.
    offset = time.time() * 1000 - a.since if a.since else 0
    results = {}

    def run(src):
        while time.monotonic() - start < a.limit:
            node = ask(a.vip, src, a.path, a.attempt)
            if node:
                results[src] = (node, int((time.monotonic() - start) * 1000 + offset))
                return
            time.sleep(0.02)
        results[src] = ("NONE", -1)

    def watch(src):
        last_ok = time.monotonic()
        worst, node = 0.0, "NONE"
        while time.monotonic() - start < a.watch:
            n = ask(a.vip, src, a.path, a.attempt)
            t = time.monotonic()
            if n:
                worst = max(worst, t - last_ok)
                last_ok, node = t, n
            else:
                time.sleep(0.005)
        worst = max(worst, time.monotonic() - last_ok)
        results[src] = (node, int(worst * 1000))

    threads = [threading.Thread(target=watch if a.watch else run, args=(s,)) for s in a.srcs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in a.srcs:
        print(s, *results[s])


main()
