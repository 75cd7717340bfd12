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
  h2_client.py PORT ping-flood N               -> "goaway CODE acks A" | "closed acks A" |
  h2_client.py PORT settings-flood N              "none acks A" (N frames sent unread)
  h2_client.py PORT stream-ids PATH XFF        -> "status N bytes M" for streams 2^31-3 and
                                                  2^31-1, then "lower: goaway CODE last ID" |
                                                  "lower: status N" (until the GOAWAY)
  h2_client.py PORT slow-reader BIG SMALL XFF  -> stream A (BIG) with its window never opened,
                                                  then B and C (SMALL): "B status N bytes M",
                                                  "C ...", "A bytes M open|ended|reset"
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


def frame(ftype, flags, sid, payload):
    """One raw HTTP/2 frame (RFC 9113 4.1)."""
    return len(payload).to_bytes(3, "big") + bytes([ftype, flags]) + sid.to_bytes(4, "big") + payload


def continuation_flood(port, path):
    """CVE-2024-27316 / nghttp2 CVE-2024-28182: HEADERS without END_HEADERS, then endless
    CONTINUATION frames."""
    sock, conn = connect(port)
    sock.sendall(conn.data_to_send())
    # Raw frames: HEADERS (type 1) on stream 1 without END_HEADERS, then CONTINUATION (type 9).
    block = b"\x82\x86\x84\x41\x09site.test"  # :method GET, :scheme http, :path /, :authority
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


def flood(port, kind, count):
    """SETTINGS or PING frames, `count` of them written without reading a byte of what comes
    back (each asks for an ACK: CVE-2019-9512 and -9515). The client's receive buffer is kept
    small so that the ACKs pile up in the server, not in the kernel. Then it reads: the frames'
    headers only (raw), counting ACKs, until GOAWAY or the end."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    sock.settimeout(DEADLINE)
    sock.connect(("127.0.0.1", port))
    sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, b""))
    if kind == "ping":
        one = frame(6, 0, 0, b"geogate!")
    else:
        one = frame(4, 0, 0, (3).to_bytes(2, "big") + (100).to_bytes(4, "big"))
    batch = one * 1000
    sock.settimeout(2)  # the server stopped reading: the flood is over
    try:
        for _ in range(count // 1000):
            sock.sendall(batch)
    except OSError:
        pass
    sock.settimeout(DEADLINE)
    ack_type = 6 if kind == "ping" else 4
    buf, acks, end = b"", 0, time.monotonic() + DEADLINE
    while time.monotonic() < end:
        try:
            data = sock.recv(1 << 20)
        except socket.timeout:
            break
        except ConnectionResetError:
            data = b""
        if not data:
            print("closed acks %d" % acks)
            return
        buf += data
        at = 0
        while len(buf) - at >= 9:
            length = int.from_bytes(buf[at:at + 3], "big")
            if len(buf) - at < 9 + length:
                break
            ftype, flags = buf[at + 3], buf[at + 4]
            if ftype == ack_type and flags & 0x1:
                acks += 1
            if ftype == 7:
                code = int.from_bytes(buf[at + 13:at + 17], "big")
                print("goaway %d acks %d" % (code, acks))
                return
            at += 9 + length
        buf = buf[at:]
    print("none acks %d" % acks)


def stream_ids(port, path, xff):
    """The last client stream IDs (RFC 9113 5.1.1): 2^31-3 and 2^31-1 must be served like any
    other; after them the client has no ID left, and a HEADERS on a lower one (stream 1) must
    not become a request."""
    sock, conn = connect(port)
    for sid in (2147483645, 2147483647):
        conn.send_headers(sid, request_headers(path, xff), end_stream=True)
        sock.sendall(conn.data_to_send())
        status, length = None, 0
        for e in pump(sock, conn, lambda e: isinstance(e, (h2.events.StreamEnded,
                                                           h2.events.StreamReset,
                                                           h2.events.ConnectionTerminated))
                      and getattr(e, "stream_id", sid) == sid, timeout=10):
            if isinstance(e, h2.events.ResponseReceived) and e.stream_id == sid:
                status = dict(e.headers)[":status"]
            if isinstance(e, h2.events.DataReceived) and e.stream_id == sid:
                length += len(e.data)
        print("status %s bytes %d" % (status, length))
    # h2 refuses to send it: a raw HEADERS frame, its block from the connection's own encoder
    # (so that the server's HPACK table stays in step).
    block = conn.encoder.encode(request_headers(path, xff))
    sock.sendall(frame(1, 0x4 | 0x1, 1, block))  # END_HEADERS | END_STREAM on stream 1
    end = time.monotonic() + 10
    while time.monotonic() < end:
        sock.settimeout(max(0.01, end - time.monotonic()))
        try:
            data = sock.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            data = b""
        if not data:
            print("lower: closed")
            return
        for e in conn.receive_data(data):
            if isinstance(e, h2.events.ConnectionTerminated):
                print("lower: goaway %d last %d" % (e.error_code, e.last_stream_id))
                return
            if getattr(e, "stream_id", 0) == 1:
                print("lower: " + outcome([e], 1))
                return
    print("lower: none")


def slow_reader(port, big, small, xff):
    """Stream A downloads `big` and never opens its window (the connection's window it does
    open, as a browser with a stalled tab would); B and C, asked for after A stalled, must
    complete all the same."""
    sock, conn = connect(port)
    a = conn.get_next_available_stream_id()
    conn.send_headers(a, request_headers(big, xff), end_stream=True)
    sock.sendall(conn.data_to_send())
    state = {a: ["open", None, 0]}
    asked = False
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        sock.settimeout(max(0.01, end - time.monotonic()))
        try:
            data = sock.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            break
        if not data:
            break
        for e in conn.receive_data(data):
            sid = getattr(e, "stream_id", None)
            if isinstance(e, h2.events.ResponseReceived):
                state[sid][1] = dict(e.headers)[":status"]
            elif isinstance(e, h2.events.DataReceived):
                state[sid][2] += len(e.data)
                if sid == a:  # the connection's window only: A's own stays shut
                    if e.flow_controlled_length:
                        conn.increment_flow_control_window(e.flow_controlled_length)
                else:
                    conn.acknowledge_received_data(e.flow_controlled_length, sid)
            elif isinstance(e, h2.events.StreamEnded):
                state[sid][0] = "ended"
            elif isinstance(e, h2.events.StreamReset):
                state[sid][0] = "reset"
        if not asked and state[a][2] > 0:
            asked = True  # A has had its first bytes: its window is about to be shut
            for _ in range(2):
                sid = conn.get_next_available_stream_id()
                conn.send_headers(sid, request_headers(small, xff), end_stream=True)
                state[sid] = ["open", None, 0]
        sock.sendall(conn.data_to_send())
        if asked and all(v[0] != "open" for k, v in state.items() if k != a):
            break
    for name, sid in zip("BC", sorted(k for k in state if k != a)):
        v = state[sid]
        print("%s status %s bytes %d %s" % (name, v[1], v[2], v[0]))
    print("A bytes %d %s" % (state[a][2], state[a][0]))


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
    elif mode in ("ping-flood", "settings-flood"):
        flood(port, mode.split("-")[0], int(args[0]))
    elif mode == "stream-ids":
        stream_ids(port, args[0], args[1])
    elif mode == "slow-reader":
        slow_reader(port, args[0], args[1], args[2])
    else:
        raise SystemExit("unknown mode " + mode)


if __name__ == "__main__":
    main()
