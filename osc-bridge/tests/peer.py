"""A python-osc peer for bandmated's tests: runs one scenario against a running daemon and
prints one JSON object per line for the Rust test to check.

    peer.py SCENARIO UDP_PORT TCP_PORT

Scenarios: udp (requests and replies over UDP), tcp (the same over TCP with SLIP framing, OSC
1.1), notes (subscribe, make a loop, play it, collect the timed note bundles).
"""

import json
import socket
import sys
import time

from pythonosc import osc_bundle, osc_message, osc_message_builder, slip
from pythonosc.tcp_client import SimpleTCPClient


def out(**kw):
    print(json.dumps(kw), flush=True)


def build(addr, args):
    b = osc_message_builder.OscMessageBuilder(address=addr)
    for a in args:
        if isinstance(a, tuple):  # (type tag, value) for types python-osc cannot guess
            b.add_arg(a[1], a[0])
        else:
            b.add_arg(a)
    return b.build()


def parse(dgram):
    """Messages of a packet as (timetag or None, address, params)."""
    if osc_bundle.OscBundle.dgram_is_bundle(dgram):
        bundle = osc_bundle.OscBundle(dgram)
        return [(bundle.timestamp, m.address, list(m.params)) for m in bundle]
    m = osc_message.OscMessage(dgram)
    return [(None, m.address, list(m.params))]


class Udp:
    def __init__(self, port):
        self.port = port
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))

    def send(self, addr, *args):
        self.sock.sendto(build(addr, args).dgram, ("127.0.0.1", self.port))

    def send_raw(self, data):
        self.sock.sendto(data, ("127.0.0.1", self.port))

    def recv(self, timeout):
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return None
        return data, time.time()


class Tcp:
    def __init__(self, port):
        self.client = SimpleTCPClient("127.0.0.1", port, mode="1.1")
        self.pending = []

    def send(self, addr, *args):
        self.client.send(build(addr, args))

    def send_raw(self, data):
        self.client.socket.sendall(slip.encode(data))

    def recv(self, timeout):
        if not self.pending:
            self.pending = [p for p in self.client.receive(timeout) if p]
        if not self.pending:
            return None
        return self.pending.pop(0), time.time()


def until(peer, stop, timeout=5.0):
    """Messages received until `stop(addr, params)` is true for one (included)."""
    got = []
    end = time.time() + timeout
    while time.time() < end:
        r = peer.recv(max(0.01, end - time.time()))
        if r is None:
            break
        for tt, addr, params in parse(r[0]):
            got.append([addr, params])
            if stop(addr, params):
                return got
    raise SystemExit(f"timed out waiting; got {got[-5:]}")


def ask(peer, name, addr, *args, stop=None):
    """Send one request; report the replies up to the first one `stop` accepts (default: any)."""
    peer.send(addr, *args)
    got = until(peer, stop or (lambda a, p: True))
    out(step=name, replies=got)


def requests(peer):
    ask(peer, "version", "/bandmate/version")
    ask(peer, "tempo", "/bandmate/groove/tempo", 90.0)
    ask(peer, "swing", "/bandmate/groove/swing", 58)
    ask(peer, "swing-bad", "/bandmate/groove/swing", "fast")
    ask(peer, "blob", "/bandmate/groove/swing", ("b", b"\x01\x02"))
    ask(peer, "unknown", "/bandmate/groove/frobnicate")
    ask(peer, "tap", "/bandmate/groove/tap")
    ask(peer, "accent", "/bandmate/pad/accent/5", 1.0)
    ask(peer, "status", "/bandmate/status", stop=lambda a, p: a == "/bandmate/status" and p == ["done"])
    peer.send_raw(b"/bandmate/version\0\0\0,i\0\0")  # an int promised, none there
    out(step="malformed", replies=until(peer, lambda a, p: True))


def notes(peer, seconds):
    peer.send("/bandmate/subscribe")
    until(peer, lambda a, p: a == "/bandmate/subscribe")
    for addr, args in [
        ("/bandmate/groove/tempo", [240.0]),
        ("/bandmate/groove/seed", [3]),
        ("/bandmate/groove/swing", [62.0]),
    ]:
        peer.send(addr, *args)
        until(peer, lambda a, p, addr=addr: a == addr)
    peer.send("/bandmate/groove/drumify")
    lines = until(peer, lambda a, p: a == "/bandmate/groove/reading" and p[0] == "accent")
    out(step="loop", lines=[l for l in lines if l[0] in ("/bandmate/groove/loop", "/bandmate/groove/offset")])
    sent = time.time()
    peer.send("/bandmate/groove/play")
    notes = []
    end = sent + seconds
    while time.time() < end:
        r = peer.recv(max(0.01, end - time.time()))
        if r is None:
            continue
        data, arrived = r
        for tt, addr, params in parse(data):
            if addr == "/bandmate/groove/note":
                notes.append([tt, arrived, params[0], params[1]])
    peer.send("/bandmate/groove/stop")
    out(step="notes", play_sent=sent, notes=notes)


def main():
    scenario, udp_port, tcp_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if scenario == "udp":
        requests(Udp(udp_port))
    elif scenario == "tcp":
        requests(Tcp(tcp_port))
    elif scenario == "notes":
        notes(Udp(udp_port), float(sys.argv[4]) if len(sys.argv) > 4 else 4.2)
    else:
        raise SystemExit(f"unknown scenario {scenario}")


if __name__ == "__main__":
    main()
