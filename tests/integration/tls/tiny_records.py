#!/usr/bin/python3
"""A hostile HTTPS client: uploads a body of COUNT bytes with every byte in a TLS record of
its own (23 bytes on the wire per byte), all sent at once. Each record is one SSL_read that
completes at once; the proxy must not nest one call chain per record on its stack. Prints
the answer's status line, or "no answer: <why>".

    tiny_records.py PORT HOST COUNT
"""
import socket
import ssl
import sys


def main():
    port, host, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection(("127.0.0.1", port))
    raw.settimeout(30)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname=host)
    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            raw.sendall(outgoing.read())
            incoming.write(raw.recv(65536))
    raw.sendall(outgoing.read())
    tls.write(f"POST /upload HTTP/1.1\r\nHost: {host}\r\nContent-Length: {count}\r\n"
              "Connection: close\r\n\r\n".encode())
    for _ in range(count):
        tls.write(b"a")  # one record each
    try:
        raw.sendall(outgoing.read())
        while True:
            data = raw.recv(65536)
            if not data:
                print("no answer: closed")
                return
            incoming.write(data)
            try:
                print(tls.read(4096).split(b"\r\n")[0].decode())
                return
            except ssl.SSLWantReadError:
                continue
    except OSError as e:
        print(f"no answer: {e}")


main()
