#!/usr/bin/env python3
"""An HTTP/2 client that misbehaves on purpose, for geogate's h2 tests (Python's h2, Debian
python3-h2). h2c with prior knowledge on 127.0.0.1:PORT; every run is bounded in time.

  h2_client.py PORT get PATH XFF [NAME:VALUE...] -> "status N bytes M", then the body
  h2_client.py PORT malformed CASE PATH XFF    -> "reset CODE" | "status N" | "goaway CODE"
  h2_client.py PORT rapid-reset PATH XFF N     -> "goaway CODE|none responses R"
  h2_client.py PORT continuation-flood PATH    -> "goaway CODE|closed|none"
  h2_client.py PORT hpack-bomb PATH            -> "status N" | "reset CODE" | "goaway CODE"
  h2_client.py PORT zero-window PATH XFF       -> "closed after S s" | "reset after S s"
  h2_client.py PORT tls-twice PATH XFF GAP     -> over TLS (ALPN h2): two GETs on one
                                                  connection GAP seconds apart, "status N" each
"""
import socket
import ssl
import sys
import time

import h2.config
import h2.connection
import h2.events
import h2.exceptions

DEADLINE = 20.0  # seconds: no run lasts longer


def connect(port, validate=True, tls=False):
    sock = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE)
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(["h2"])
        sock = ctx.wrap_socket(sock, server_hostname="site.test")
        if sock.selected_alpn_protocol() != "h2":
            raise SystemExit("no h2 by ALPN")
    config = h2.config.H2Configuration(
        client_side=True,
        header_encoding="utf-8",
        validate_outbound_headers=validate,
        normalize_outbound_headers=validate,
        validate_inbound_headers=False,
    )
    conn = h2.connection.H2Connection(config=config)
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    return sock, conn


def request_headers(path, xff, extra=()):
    return [
        (":method", "GET"),
        (":scheme", "http"),
        (":authority", "site.test"),
        (":path", path),
        ("x-forwarded-for", xff),
    ] + list(extra)


def pump(sock, conn, until, timeout=DEADLINE):
    """Reads events until until(event) is true or the connection ends; returns the events."""
    seen = []
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        sock.settimeout(max(0.01, end - time.monotonic()))
        try:
            data = sock.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            seen.append("closed")
            break
        if not data:
            seen.append("closed")
            break
        try:
            events = conn.receive_data(data)
        except h2.exceptions.ProtocolError:
            seen.append("protocol-error")
            break
        out = conn.data_to_send()
        if out:
            try:
                sock.sendall(out)
            except OSError:
                pass
        for e in events:
            seen.append(e)
            if isinstance(e, h2.events.DataReceived):
                conn.acknowledge_received_data(e.flow_controlled_length, e.stream_id)
                try:
                    sock.sendall(conn.data_to_send())
                except OSError:
                    pass
            if until(e):
                return seen
    return seen


def outcome(events, stream_id):
    for e in events:
        if isinstance(e, h2.events.StreamReset) and e.stream_id == stream_id:
            return "reset %d" % e.error_code
        if isinstance(e, h2.events.ResponseReceived) and e.stream_id == stream_id:
            return "status %s" % dict(e.headers)[":status"]
        if isinstance(e, h2.events.ConnectionTerminated):
            return "goaway %d" % e.error_code
    return "closed" if "closed" in events else "none"


def first_answer(sock, conn, sid):
    """Sends what conn has queued, then reads until stream sid's first answer (its response
    head or reset) or the connection's end, and prints it."""
    try:
        sock.sendall(conn.data_to_send())
    except OSError:
        pass  # the server may already have closed: what it said is still to be read
    events = pump(
        sock,
        conn,
        lambda e: isinstance(e, (h2.events.StreamReset, h2.events.ResponseReceived,
                                 h2.events.ConnectionTerminated)),
        timeout=10,
    )
    print(outcome(events, sid))


def get(port, path, xff, extra):
    sock, conn = connect(port)
    sid = conn.get_next_available_stream_id()
    fields = [tuple(f.split(":", 1)) for f in extra]
    conn.send_headers(sid, request_headers(path, xff, fields), end_stream=True)
    sock.sendall(conn.data_to_send())
    status, body = None, b""
    for e in pump(sock, conn, lambda e: isinstance(e, h2.events.StreamEnded)):
        if isinstance(e, h2.events.ResponseReceived):
            status = dict(e.headers)[":status"]
        if isinstance(e, h2.events.DataReceived):
            body += e.data
    print("status %s bytes %d" % (status, len(body)))
    sys.stdout.write(body.decode("utf-8", "replace"))


def malformed(port, case, path, xff):
    """Requests HTTP/2 forbids (RFC 9113 8.1.1, 8.2, 8.3): each must be a stream error."""
    sock, conn = connect(port, validate=False)
    sid = conn.get_next_available_stream_id()
    headers = request_headers(path, xff)
    body = None
    if case == "cl-mismatch":
        headers.append(("content-length", "5"))
        body = b"0123456789"
    elif case == "transfer-encoding":
        headers.append(("transfer-encoding", "chunked"))
    elif case == "connection":
        headers.append(("connection", "keep-alive"))
    elif case == "crlf-value":
        headers.append(("x-smuggle", "a\r\nx-injected: 1"))
    elif case == "path-no-slash":
        headers[3] = (":path", path.lstrip("/"))
    elif case == "path-space":
        headers[3] = (":path", path + " HTTP/1.1\r\nx: y")
    elif case == "host-mismatch":
        headers.append(("host", "elsewhere.test"))
    elif case == "te-gzip":
        headers.append(("te", "gzip"))
    elif case == "uppercase-name":
        headers.append(("X-Upper", "1"))
    else:
        raise SystemExit("unknown case " + case)
    conn.send_headers(sid, headers, end_stream=body is None)
    if body is not None:
        conn.send_data(sid, body, end_stream=True)
    first_answer(sock, conn, sid)


def rapid_reset(port, path, xff, count):
    """CVE-2023-44487: HEADERS then RST_STREAM at once, over and over."""
    sock, conn = connect(port)
    sent = 0
    try:
        while sent < count:
            for _ in range(min(100, count - sent)):
                sid = conn.get_next_available_stream_id()
                conn.send_headers(sid, request_headers(path, xff), end_stream=True)
                conn.reset_stream(sid, error_code=8)  # CANCEL
                sent += 1
            sock.sendall(conn.data_to_send())
    except (OSError, h2.exceptions.ProtocolError):
        pass
    events = pump(sock, conn, lambda e: isinstance(e, h2.events.ConnectionTerminated), timeout=5)
    goaway = [e for e in events if isinstance(e, h2.events.ConnectionTerminated)]
    responses = sum(1 for e in events if isinstance(e, h2.events.ResponseReceived))
    print("goaway %d responses %d" % (goaway[0].error_code, responses) if goaway
          else "goaway none responses %d" % responses)


def continuation_flood(port, path):
    """CVE-2024-27316 / nghttp2 CVE-2024-28182: HEADERS without END_HEADERS, then endless
    CONTINUATION frames."""
    sock, conn = connect(port)
    sock.sendall(conn.data_to_send())
    # Raw frames: HEADERS (type 1) on stream 1 without END_HEADERS, then CONTINUATION (type 9).
    block = b"\x82\x86\x84\x41\x09site.test"  # :method GET, :scheme http, :path /, :authority
    def frame(ftype, flags, sid, payload):
        return len(payload).to_bytes(3, "big") + bytes([ftype, flags]) + sid.to_bytes(4, "big") + payload
    filler = b"\x40\x01x\x01y"  # literal x: y, with indexing
    try:
        sock.sendall(frame(1, 0x1, 1, block))  # END_STREAM, no END_HEADERS
        for _ in range(10000):
            sock.sendall(frame(9, 0, 1, filler * 10))
    except OSError:
        pass
    events = pump(sock, conn, lambda e: isinstance(e, h2.events.ConnectionTerminated), timeout=5)
    print(outcome(events, 1))


def hpack_bomb(port, path):
    """One large header value in the dynamic table, then referred to over and over: a small
    frame that decodes to megabytes."""
    sock, conn = connect(port, validate=False)
    sid = conn.get_next_available_stream_id()
    big = "a" * 4000
    headers = request_headers(path, "127.0.0.1") + [("x-bomb", big)] * 400
    conn.send_headers(sid, headers, end_stream=True)
    first_answer(sock, conn, sid)


def zero_window(port, path, xff):
    """A reader that opens a stream with a zero window and never opens it."""
    sock, conn = connect(port)
    conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0})
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, request_headers(path, xff), end_stream=True)
    sock.sendall(conn.data_to_send())
    start = time.monotonic()
    end = start + DEADLINE
    while time.monotonic() < end:
        sock.settimeout(max(0.01, end - time.monotonic()))
        try:
            data = sock.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            print("closed after %.1f s" % (time.monotonic() - start))
            return
        if not data:
            print("closed after %.1f s" % (time.monotonic() - start))
            return
        for e in conn.receive_data(data):  # never acknowledged: the window stays shut
            if isinstance(e, h2.events.StreamReset):
                print("reset after %.1f s" % (time.monotonic() - start))
                return
            if isinstance(e, h2.events.ConnectionTerminated):
                print("closed after %.1f s" % (time.monotonic() - start))
                return
        sock.sendall(conn.data_to_send())
    print("still open after %.1f s" % (time.monotonic() - start))


def tls_twice(port, path, xff, gap):
    sock, conn = connect(port, tls=True)
    for i in range(2):
        if i:
            time.sleep(gap)
        sid = conn.get_next_available_stream_id()
        conn.send_headers(sid, request_headers(path, xff), end_stream=True)
        sock.sendall(conn.data_to_send())
        events = pump(sock, conn, lambda e: isinstance(e, h2.events.StreamEnded)
                      and e.stream_id == sid, timeout=10)
        print(outcome(events, sid))


def main():
    import h2.settings  # noqa: F401  (zero_window)
    port = int(sys.argv[1])
    mode = sys.argv[2]
    args = sys.argv[3:]
    if mode == "get":
        get(port, args[0], args[1], args[2:])
    elif mode == "malformed":
        malformed(port, args[0], args[1], args[2])
    elif mode == "rapid-reset":
        rapid_reset(port, args[0], args[1], int(args[2]))
    elif mode == "continuation-flood":
        continuation_flood(port, args[0])
    elif mode == "hpack-bomb":
        hpack_bomb(port, args[0])
    elif mode == "tls-twice":
        tls_twice(port, args[0], args[1], float(args[2]))
    elif mode == "zero-window":
        zero_window(port, args[0], args[1])
    else:
        raise SystemExit("unknown mode " + mode)


if __name__ == "__main__":
    main()
