#!/usr/bin/python3
"""A slow HTTPS reader: a small receive buffer, reading in small pieces with pauses, so the
server's TLS records meet a full socket again and again. Prints what arrived:
"status <code> length <body bytes> sha256 <hex>".

    slow_tls_reader.py PORT HOST CAFILE PATH [PAUSE_MS]
"""
import hashlib
import socket
import ssl
import sys
import time


def main():
    port, host, cafile, path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    pause = (int(sys.argv[5]) if len(sys.argv) > 5 else 1) / 1000.0
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)  # before connect: the window
    raw.settimeout(20)
    raw.connect(("127.0.0.1", port))
    ctx = ssl.create_default_context(cafile=cafile)
    conn = ctx.wrap_socket(raw, server_hostname=host)
    conn.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(4096)
        if not piece:
            break
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    status = head.split(b" ")[1].decode() if head.startswith(b"HTTP/") else "0"
    digest = hashlib.sha256(body)
    length = len(body)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            piece = conn.recv(4096)
        except (ssl.SSLError, OSError):
            break
        if not piece:
            break
        digest.update(piece)
        length += len(piece)
        time.sleep(pause)
    print(f"status {status} length {length} sha256 {digest.hexdigest()}")


main()
