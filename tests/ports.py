"""Free loopback ports for servers the tests start: the mirror listens on one port per site, so it
needs a run of consecutive free ports, taken outside the ephemeral range that outgoing connections
(and the other servers tests start) draw from."""
from __future__ import annotations

import random
import socket


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_run(length: int = 1, low: int = 20000, high: int = 32000) -> int:
    """The first port of ``length`` consecutive ports nothing listens on."""
    for _ in range(200):
        base = random.randrange(low, high - length)
        if all(_bindable(base + i) for i in range(length)):
            return base
    raise RuntimeError(f"no run of {length} free ports between {low} and {high}")


MIRROR_PORTS = 16  # room for the mirror's sites (one port each) and a few more
