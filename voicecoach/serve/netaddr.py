"""This machine's address on the local network, found without sending anything.

connect() on a UDP socket only asks the kernel which route, and so which source address, it
would use: no packet leaves. The documentation network 192.0.2.0/24 (TEST-NET-1) is never
really routed anywhere, but the default route still applies to it, which names the interface
a phone on the same network reaches.
"""

from __future__ import annotations

import ipaddress
import socket

_PROBE = ("192.0.2.1", 9)
LOOPBACK = "127.0.0.1"


def lan_address() -> str:
    """The IPv4 address of the interface with the default route; 127.0.0.1 when there is none."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect(_PROBE)
            address = sock.getsockname()[0]
    except OSError:
        return LOOPBACK
    return address if address and address != "0.0.0.0" else LOOPBACK


def url_host(host: str) -> str:
    """`host` as it goes in a URL: IPv6 addresses in brackets; an unspecified address (0.0.0.0, ::)
    replaced by the LAN address, which is what a phone would have to type."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host
    if ip.is_unspecified:
        return lan_address()
    return f"[{ip}]" if ip.version == 6 else str(ip)
