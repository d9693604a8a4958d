"""The first-call floor of the benchmark: the minimum round trips of a first get_secret, with
nothing else around them. One new TCP connection, the TLS handshake, the GET without a token
(the vault's 401 challenge), the GET with the token (200), on one kept-alive connection; the TLS
context (CA loaded) is made beforehand, as a client's would be. Prints the median of 7 in µs.

    python3 first_call_floor.py        (KV_BENCH_URL, KV_BENCH_CA, KV_BENCH_TOKEN; stdlib only)
"""
import os
import socket
import ssl
import statistics
import time
from urllib.parse import urlsplit


def exchange(tls, request):
    tls.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        data += tls.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        body += tls.recv(65536)
    return int(head.split(b" ", 2)[1])


def main():
    url = urlsplit(os.environ["KV_BENCH_URL"])
    host, port = url.hostname, url.port or 443
    ctx = ssl.create_default_context(cafile=os.environ["KV_BENCH_CA"])
    path = "/secrets/bench?api-version=2025-07-01"
    plain = ("GET %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 0\r\n\r\n" % (path, host)).encode()
    authed = ("GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n\r\n"
              % (path, host, os.environ["KV_BENCH_TOKEN"])).encode()
    samples = []
    for _ in range(7):
        t = time.perf_counter()
        raw = socket.create_connection((host, port))
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with ctx.wrap_socket(raw, server_hostname=host) as tls:
            assert exchange(tls, plain) == 401
            assert exchange(tls, authed) == 200
            samples.append((time.perf_counter() - t) * 1e6)
    print("%.1f" % statistics.median(samples))


if __name__ == "__main__":
    main()
