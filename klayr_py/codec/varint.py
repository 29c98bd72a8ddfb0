"""Varints as LIP 0027 defines them: little-endian base-128, shortest form only, zig-zag for signed.

The generated encoders and decoders inline the one-byte case and call these for the rest.
"""

from __future__ import annotations

from klayr_py.errors import CodecError

MAX_UINT32 = 2**32 - 1
MAX_UINT64 = 2**64 - 1
MIN_SINT32, MAX_SINT32 = -(2**31), 2**31 - 1
MIN_SINT64, MAX_SINT64 = -(2**63), 2**63 - 1


def encode_uvarint(value: int) -> bytes:
    """The varint bytes of a non-negative integer (range checks are the caller's)."""
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


# Lengths and small numbers dominate real messages; a table makes their encoding one lookup.
_SMALL = tuple(encode_uvarint(n) for n in range(1 << 14))


def uvarint(value: int) -> bytes:
    """Like :func:`encode_uvarint`: a table lookup below 2**14, unrolled up to 2**28."""
    if value < 16384:
        return _SMALL[value]
    if value < 2097152:
        return bytes((value & 0x7F | 0x80, value >> 7 & 0x7F | 0x80, value >> 14))
    if value < 268435456:
        return bytes(
            (value & 0x7F | 0x80, value >> 7 & 0x7F | 0x80, value >> 14 & 0x7F | 0x80, value >> 21)
        )
    return encode_uvarint(value)


def zigzag(value: int) -> int:
    """Map a signed integer to an unsigned one: 0, -1, 1, -2 ... -> 0, 1, 2, 3 ..."""
    return value << 1 if value >= 0 else (-value << 1) - 1


def read_uvarint(data: bytes, offset: int, end: int, bits: int, path: str = "") -> tuple[int, int]:
    """Read a varint of at most ``bits`` bits at ``offset``; returns (value, next offset).

    Rejects, as klayr-codec does, a varint that runs past ``end``, has no terminating byte within
    the width, overflows the width, or is not in its shortest form.
    """
    max_bytes = (bits + 6) // 7
    value = 0
    shift = 0
    index = offset
    for count in range(1, max_bytes + 1):
        if index >= end:
            raise CodecError("message ends inside a varint", path)
        byte = data[index]
        index += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            if count > 1 and byte == 0:
                raise CodecError("varint is not in its shortest form", path)
            if value >> bits:
                raise CodecError(f"varint is out of range of uint{bits}", path)
            return value, index
        shift += 7
    raise CodecError(f"varint is longer than {max_bytes} bytes", path)


def read_uvarint_unbounded(data: bytes, offset: int, limit: int, path: str = "") -> tuple[int, int]:
    """Read a varint of two or more bytes (``data[offset] >= 0x80``) for the decoders' fast path.

    Checks shortest form and ``limit`` like :func:`read_uvarint`, but not the end of the enclosing
    object: running past the data raises IndexError, which sends the caller to its checked path.
    Unrolled to five bytes, which covers every uint32 and most amounts, heights and timestamps.
    """
    low = data[offset] & 0x7F
    byte = data[offset + 1]
    if byte < 0x80:
        if byte == 0:
            raise CodecError("varint is not in its shortest form", path)
        return low | byte << 7, offset + 2
    low |= (byte & 0x7F) << 7
    byte = data[offset + 2]
    if byte < 0x80:
        if byte == 0:
            raise CodecError("varint is not in its shortest form", path)
        return low | byte << 14, offset + 3
    low |= (byte & 0x7F) << 14
    byte = data[offset + 3]
    if byte < 0x80:
        if byte == 0:
            raise CodecError("varint is not in its shortest form", path)
        return low | byte << 21, offset + 4
    value = low | (byte & 0x7F) << 21
    shift = 28
    offset += 4
    while True:
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            break
        shift += 7
        if shift > 63:
            raise CodecError("varint is longer than 10 bytes", path)
    if byte == 0:
        raise CodecError("varint is not in its shortest form", path)
    if value > limit:
        raise CodecError(f"varint is out of range of uint{limit.bit_length()}", path)
    return value, offset
