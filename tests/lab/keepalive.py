#!/usr/bin/env python3
"""Holds keep-alive HTTP/1.1 connections through the VIP and uses them, to
show that a graceful stop or a join breaks none of them.

keepalive.py VIP SRC... --per-source N --seconds S [--every 0.5] [--path /whoami]

Opens N connections from every source address (one selectors loop, no
threads) and sends a request on each every --every seconds until --seconds
have passed. A connection the server closes cleanly (EOF, as Apache's
graceful stop does with idle keep-alive connections) is opened again, and a
request it carried is sent again on the new one: that is what HTTP clients
do (RFC 9112 9.3.1), and no broken connection; they are counted as "closed"
and "retried". Counted as broken: a reset (ECONNRESET, EPIPE), a request
without a complete answer within 2 s, a retried request closed again, a
connection that could not be opened, any other socket error. SIGINT or
SIGTERM ends it early, as --seconds would (requests in flight are waited
for, up to 2 s). Prints one
JSON line: {"connections":…, "requests":…, "answers":…, "closed":…,
"retried":…, "resets":…, "timeouts":…, "errors":…, "connect_failures":…,
"first_nodes":{node: count}, "last_nodes":{node: count}, "failures":[…]}
failures: the first 5 broken connections (what, source address and port,
seconds since the start, the node that last answered on it).
first_nodes: which node answered each connection's first request.
Runs inside the client namespace."""
import argparse
import errno
import json
import selectors
import signal
import socket
import time


class Conn:
    def __init__(self, src):
        self.src = src
        self.sock = None
        self.buf = b""
        self.sent_at = None  # a request in flight since
        self.retrying = False  # the request in flight was sent again after a close
        self.next_at = 0.0
        self.first_node = None
        self.last_node = None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("vip")
    p.add_argument("srcs", nargs="+")
    p.add_argument("--per-source", type=int, default=1)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--every", type=float, default=0.5)
    p.add_argument("--path", default="/whoami")
    a = p.parse_args()
    family = socket.AF_INET6 if ":" in a.vip else socket.AF_INET
    request = f"GET {a.path} HTTP/1.1\r\nHost: {a.vip}\r\n\r\n".encode()
    sel = selectors.DefaultSelector()
    stats = dict(connections=0, requests=0, answers=0, closed=0, retried=0, resets=0, timeouts=0, errors=0,
                 connect_failures=0)
    failures = []

    def broken(c, what):
        stats[what] += 1
        if len(failures) < 5:
            try:
                port = c.sock.getsockname()[1] if c.sock else None
            except OSError:
                port = None
            failures.append(dict(what=what, src=c.src, port=port, at=round(time.monotonic() - start, 3),
                                 node=c.last_node))

    def open_conn(c):
        s = socket.socket(family, socket.SOCK_STREAM)
        s.bind((c.src, 0))
        s.settimeout(2)
        try:
            s.connect((a.vip, 80))
        except OSError:
            stats["connect_failures"] += 1
            s.close()
            return False
        s.setblocking(False)
        c.sock, c.buf, c.sent_at = s, b"", None
        sel.register(s, selectors.EVENT_READ, c)
        stats["connections"] += 1
        return True

    def drop(c):
        sel.unregister(c.sock)
        c.sock.close()
        c.sock = None

    conns = [Conn(src) for src in a.srcs for _ in range(a.per_source)]
    start = time.monotonic()
    start_wall_ms = int(time.time() * 1000)  # failures' "at" counts from here: a caller places its actions
    for i, c in enumerate(conns):
        open_conn(c)
        c.next_at = start + a.every * i / len(conns)  # spread the requests over the period
    end = start + a.seconds
    stop_at = []
    signal.signal(signal.SIGINT, lambda *_: stop_at.append(time.monotonic()))
    signal.signal(signal.SIGTERM, lambda *_: stop_at.append(time.monotonic()))

    def complete(c):
        """A whole answer in c.buf (Content-Length framing)."""
        head, sep, body = c.buf.partition(b"\r\n\r\n")
        if not sep:
            return None
        length = 0
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                length = int(v.strip())
        if len(body) < length:
            return None
        c.buf = body[length:]
        return head.startswith(b"HTTP/1.1 200"), body[:length].decode().strip()

    while True:
        now = time.monotonic()
        if stop_at:
            end = min(end, stop_at[0])
        if now >= end and all(c.sent_at is None for c in conns):
            break
        for c in conns:
            if c.sock is None and now < end:
                if not open_conn(c):
                    continue
            if c.sock is None:
                continue
            if c.sent_at is not None and now - c.sent_at > 2:
                broken(c, "timeouts")
                drop(c)
                c.sent_at = None
                continue
            if c.sent_at is None and now >= c.next_at and now < end:
                try:
                    c.sock.send(request)
                    c.sent_at = now
                    stats["requests"] += 1
                except OSError as e:
                    broken(c, "resets" if e.errno in (errno.ECONNRESET, errno.EPIPE) else "errors")
                    drop(c)
                c.next_at = now + a.every
        for key, _ in sel.select(timeout=0.01):
            c = key.data
            try:
                data = c.sock.recv(65536)
            except OSError as e:
                broken(c, "resets" if e.errno in (errno.ECONNRESET, errno.EPIPE) else "errors")
                drop(c)
                c.sent_at = None
                continue
            if not data:
                # A clean close. Idle: the next request reconnects. With a
                # request in flight: send it again on a new connection, once.
                stats["closed"] += 1
                in_flight = c.sent_at is not None
                drop(c)
                c.sent_at = None
                if in_flight:
                    if c.retrying:
                        broken(c, "timeouts")
                        c.retrying = False
                    elif open_conn(c):
                        c.sock.send(request)
                        c.sent_at = time.monotonic()
                        c.retrying = True
                        stats["retried"] += 1
                continue
            c.buf += data
            r = complete(c)
            if r is not None:
                ok, node = r
                c.sent_at = None
                c.retrying = False
                if ok:
                    stats["answers"] += 1
                    c.first_node = c.first_node or node
                    c.last_node = node
    for c in conns:
        if c.sock is not None:
            drop(c)
    count = lambda attr: {n: sum(1 for c in conns if getattr(c, attr) == n) for n in {getattr(c, attr) for c in conns}}
    stats["first_nodes"] = {str(k): v for k, v in count("first_node").items()}
    stats["last_nodes"] = {str(k): v for k, v in count("last_node").items()}
    stats["failures"] = failures
    stats["start_wall_ms"] = start_wall_ms
    print(json.dumps(stats, sort_keys=True))


main()
