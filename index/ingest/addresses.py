"""Which addresses citebot may fetch from: public ones only, however they are written.

An IPv6 address can carry an IPv4 one inside it, and a host reached at such an address is
the IPv4 host: ``::ffff:127.0.0.1`` (IPv4-mapped), ``::127.0.0.1`` (IPv4-compatible),
``::ffff:0:127.0.0.1`` (IPv4-translated), ``64:ff9b::127.0.0.1`` (NAT64, RFC 6052) and
``2002:7f00:1::`` (6to4, RFC 3056). The embedded address is unwrapped and checked instead.
"""

from __future__ import annotations

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: embeds as a site chooses
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
_TRANSLATED = 0xFFFF0000  # ::ffff:0:a.b.c.d, the upper 96 bits shifted down


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for, where it embeds one."""
    value = int(address)
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if address in _SIX_TO_FOUR:
        return address.sixtofour
    if value >> 32 == _TRANSLATED:
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if 1 < value < 2**32:  # ::a.b.c.d; :: and ::1 are themselves
        return ipaddress.IPv4Address(value)
    return None


def is_public(address: str | IPAddress) -> bool:
    """Whether ``address`` is a public internet address, looking through IPv6 forms that
    embed an IPv4 one."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id or ip in _NAT64_LOCAL:
            return False
        inner = embedded_ipv4(ip)
        if inner is not None:
            return is_public(inner)
    return ip.is_global and not ip.is_multicast
