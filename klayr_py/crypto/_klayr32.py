"""Klayr32: base32 with Klayr's own alphabet and a 30-bit BCH checksum (the Lisk32 scheme).

A 20-byte address is 160 bits, exactly 32 five-bit groups; six more groups of checksum follow.
Unlike bech32 the checksum covers only the data groups, not the human-readable prefix.
"""

from __future__ import annotations

from functools import reduce
from operator import xor

CHARSET = "zxvcpmbn3465o978uyrtkqew2adsjhfg"
"""Klayr32's alphabet: group value ``i`` is written as ``CHARSET[i]``."""

CHECKSUM_GROUPS = 6


_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_CHAR_VALUE = {char: value for value, char in enumerate(CHARSET)}
# XOR of the generators selected by each possible top five bits: one lookup instead of a bit loop.
_TOP_XOR = tuple(
    reduce(xor, (gen for bit, gen in enumerate(_GENERATOR) if (top >> bit) & 1), 0)
    for top in range(32)
)


def _polymod(groups: list[int]) -> int:
    """The BCH remainder over five-bit groups (bech32's generator, start value 1)."""
    checksum = 1
    for group in groups:
        checksum = ((checksum & 0x1FFFFFF) << 5) ^ group ^ _TOP_XOR[checksum >> 25]
    return checksum


def _bytes_to_groups(data: bytes) -> list[int]:
    """Big-endian five-bit groups of ``data``; its length in bits must be a multiple of five."""
    bit_count = len(data) * 8
    value = int.from_bytes(data, "big")
    return [(value >> shift) & 31 for shift in range(bit_count - 5, -1, -5)]


def encode(data: bytes) -> str:
    """Klayr32 text (without prefix) of ``data``, whose length must be a multiple of five bytes."""
    groups = _bytes_to_groups(data)
    remainder = _polymod([*groups, *([0] * CHECKSUM_GROUPS)]) ^ 1
    checksum = [(remainder >> (5 * (CHECKSUM_GROUPS - 1 - i))) & 31 for i in range(CHECKSUM_GROUPS)]
    return "".join(CHARSET[group] for group in groups + checksum)


def first_invalid_char(text: str) -> int | None:
    """Index of the first character of ``text`` outside the alphabet, or None."""
    for index, char in enumerate(text):
        if char not in _CHAR_VALUE:
            return index
    return None


def checksum_is_valid(text: str) -> bool:
    """Whether ``text`` (data and checksum groups, alphabet only) carries a valid checksum."""
    return _polymod([_CHAR_VALUE[char] for char in text]) == 1


def decode(text: str) -> bytes:
    """The bytes of an already validated Klayr32 body (data and checksum groups, no prefix)."""
    data_groups = text[:-CHECKSUM_GROUPS]
    value = 0
    for char in data_groups:
        value = (value << 5) | _CHAR_VALUE[char]
    return value.to_bytes(len(data_groups) * 5 // 8, "big")
