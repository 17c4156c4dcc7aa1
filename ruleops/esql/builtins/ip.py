"""IP functions: CIDR_MATCH, IP_PREFIX and TO_IP.

Addresses are 16 bytes, IPv4 mapped into IPv6 (`::ffff:a.b.c.d`), as Elasticsearch stores
them; an IPv4 block `10.0.0.0/8` is the mapped block `::ffff:10.0.0.0/104`, so an IPv4 block
never matches an IPv6 address and the reverse.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from ruleops.es_types import IPV4_PREFIX, ip_bytes
from ruleops.esql.builtins.registry import register, simple
from ruleops.esql.values import EvalFailure


@lru_cache(maxsize=4096)
def parse_block(text: str) -> tuple[int, int] | None:
    """A CIDR block (or one address) as (network as an int of 128 bits, prefix length on 128
    bits); None when it is not one."""
    address, slash, bits = text.strip().partition("/")
    packed = ip_bytes(address)
    if packed is None:
        return None
    total = 128
    v4 = packed[:12] == IPV4_PREFIX and ":" not in address
    width = 32 if v4 else 128
    if slash:
        if not bits.isdigit() or int(bits) > width:
            return None
        length = int(bits) + (96 if v4 else 0)
    else:
        length = total
    mask = ((1 << length) - 1) << (total - length) if length else 0
    return int.from_bytes(packed, "big") & mask, length


def in_block(packed: bytes, block: tuple[int, int]) -> bool:
    network, length = block
    if length == 0:
        return True
    return int.from_bytes(packed, "big") >> (128 - length) == network >> (128 - length)


def _cidr_bind(_types: tuple[str, ...]):
    def cidr_match(address: bytes, *blocks: Any) -> bool:
        for cell in blocks:
            for text in cell if cell.__class__ is tuple else (cell,):
                block = parse_block(text)
                if block is None:
                    raise EvalFailure(f"'{text}' is not an IP string literal.")
                if in_block(address, block):
                    return True
        return False

    return cidr_match


# The CIDR blocks may be multi-values (`CIDR_MATCH(ip, ["10.0.0.0/8", "…"])`); the address
# may not.
register("cidr_match", 2, None, "boolean", multi=range(1, 64))(_cidr_bind)


def _ip_prefix(address: bytes, v4_length: int, v6_length: int) -> bytes:
    # Both lengths are checked whatever the address's family (IpPrefix).
    if not 0 <= v4_length <= 32:
        raise EvalFailure(f"Prefix length v4 must be in range [0, 32], found {v4_length}")
    if not 0 <= v6_length <= 128:
        raise EvalFailure(f"Prefix length v6 must be in range [0, 128], found {v6_length}")
    if address[:12] == IPV4_PREFIX:
        bits, width, body = v4_length, 32, address[12:]
    else:
        bits, width, body = v6_length, 128, address
    value = int.from_bytes(body, "big")
    mask = ((1 << bits) - 1) << (width - bits) if bits else 0
    masked = (value & mask).to_bytes(width // 8, "big")
    return IPV4_PREFIX + masked if width == 32 else masked


simple("ip_prefix", 3, 3, "ip")(_ip_prefix)


def to_ip_value(text: str, leading_zeros: str = "reject") -> bytes:
    """TO_IP of a string: an address, with `leading_zeros` saying what `010` in an IPv4
    address means (`reject`: not an address, `decimal`: 10, `octal`: 8)."""
    packed = ip_bytes(text)
    if packed is None and leading_zeros != "reject":
        parts = text.strip().split(".")
        if len(parts) == 4 and all(p.isdigit() for p in parts):
            base = 8 if leading_zeros == "octal" else 10
            try:
                numbers = [int(p, base) if len(p) > 1 and p[0] == "0" else int(p) for p in parts]
            except ValueError:
                numbers = [256]
            if all(0 <= n <= 255 for n in numbers):
                packed = IPV4_PREFIX + bytes(numbers)
    if packed is None:
        raise EvalFailure(f"'{text}' is not an IP string literal.")
    return packed


def _to_ip_bind(types: tuple[str, ...]):
    if types and types[0] == "ip":
        return lambda address, options=None: address

    def to_ip(cell: Any, options: Mapping[str, Any] | None = None) -> Any:
        zeros = "reject"
        if options:
            zeros = str(options.get("leading_zeros", "reject")).lower()
        if cell.__class__ is tuple:
            return tuple(to_ip_value(text, zeros) for text in cell)
        return to_ip_value(cell, zeros)

    return to_ip


register("to_ip", 1, 2, "ip", multi=(0,))(_to_ip_bind)
