#!/usr/bin/env python3
"""Floods a node's control API with large unauthenticated logins.

    api_flood.py URL --seconds S [--concurrency 16] [--body-bytes 1048576]
                 [--pause-ms 0] [--source ADDR]

In bursts: --concurrency threads each send one POST URL (no credentials,
Content-Type: application/json, a JSON array of zeros exactly --body-bytes
long: 1 MiB is the API's largest accepted body) and read the answer; the
next burst starts once the whole burst is answered (plus --pause-ms), until
--seconds have passed. Each request is bounded by 10 s. One JSON line:
bursts, requests, the status codes, errors, the slowest request (ms).
Runs inside the lab's client namespace."""
import argparse
import json
import socket
import threading
import time
import urllib.parse


def body_of(size):
    # "[0,0,…,0]" padded with spaces to exactly size bytes.
    n = max(1, (size - 1) // 2)
    b = ("[" + ",".join(["0"] * n) + "]").encode()
    while len(b) > size and n > 1:
        n -= 1
        b = ("[" + ",".join(["0"] * n) + "]").encode()
    return b + b" " * (size - len(b))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--body-bytes", type=int, default=1 << 20)
    p.add_argument("--pause-ms", type=float, default=0)
    p.add_argument("--source", default="")
    a = p.parse_args()
    if not 0 < a.seconds <= 600 or not 0 < a.concurrency <= 256:
        p.error("bad --seconds or --concurrency")
    u = urllib.parse.urlsplit(a.url)
    host, port = u.hostname, u.port or 80
    body = body_of(a.body_bytes)
    head = (f"POST {u.path or '/'} HTTP/1.1\r\nHost: {u.netloc}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    stats = dict(bursts=0, requests=0, errors=0, codes={}, slowest_ms=0)
    lock = threading.Lock()

    def one():
        t0 = time.monotonic()
        code = None
        try:
            s = socket.create_connection((host, port), timeout=10,
                                         source_address=(a.source, 0) if a.source else None)
            try:
                s.sendall(head + body)
                data = b""
                while b"\r\n" not in data:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                parts = data.split(b" ", 2)
                code = parts[1].decode() if len(parts) > 1 else None
                # Read the rest so the server is not reset by our close.
                while s.recv(65536):
                    pass
            finally:
                s.close()
        except OSError:
            code = None
        took = int((time.monotonic() - t0) * 1000)
        with lock:
            stats["requests"] += 1
            stats["slowest_ms"] = max(stats["slowest_ms"], took)
            if code is None:
                stats["errors"] += 1
            else:
                stats["codes"][code] = stats["codes"].get(code, 0) + 1

    end = time.monotonic() + a.seconds
    while time.monotonic() < end:
        threads = [threading.Thread(target=one) for _ in range(a.concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stats["bursts"] += 1
        if a.pause_ms:
            time.sleep(a.pause_ms / 1000)
    print(json.dumps(stats, sort_keys=True))


main()
