"""Strategies for strings of each format Klayr's validator knows (``klayr_py.validator.FORMATS``).

Each strategy draws strings the format's own check accepts; callers still filter on length.
Klayr's decimal formats are drawn in canonical form (no sign, no leading zeros): the validator
also accepts ``+7`` and ``007``, but ``klayr_py.codec.from_json`` rejects the ``+``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from klayr_py.crypto.address import get_klayr32_address_from_address
from klayr_py.validator import FORMATS, KNOWN_FORMATS
from klayr_py.validator.constants import MAX_SINT64, MAX_UINT64, MIN_SINT64

_Strings = st.SearchStrategy[str]
_DEFAULT_MAX_LENGTH = 16  # for formats drawn from plain text
_LONGEST_DRAWN = 200  # no generator below draws longer strings


def _regex(pattern: str) -> _Strings:
    return st.from_regex(pattern, fullmatch=True)


def _hex(min_length: int, max_length: int) -> _Strings:
    low, high = (min_length + 1) // 2, max_length // 2
    if low > high:
        raise InvalidArgument(f"no even length in {min_length}..{max_length} for format 'hex'")
    return st.binary(min_size=low, max_size=high).map(bytes.hex)


def _ipv4() -> _Strings:
    return st.ip_addresses(v=4).map(str)


def _ipv6() -> _Strings:
    return st.ip_addresses(v=6).map(str)


_HOST = r"[a-z]([a-z0-9-]{0,8}[a-z0-9])?(\.[a-z]([a-z0-9-]{0,8}[a-z0-9])?){0,3}"
_FIXED: dict[str, Callable[[], _Strings]] = {
    "klayr32": lambda: st.binary(min_size=20, max_size=20).map(get_klayr32_address_from_address),
    "uint64": lambda: st.integers(0, MAX_UINT64).map(str),
    "int64": lambda: st.integers(MIN_SINT64, MAX_SINT64).map(str),
    "camelCase": lambda: _regex(r"[a-z][a-zA-Z0-9]{0,15}"),
    "version": lambda: _regex(
        r"(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})"
        r"(-(alpha|beta|rc)\.(0|[1-9][0-9]{0,2}))?"
    ),
    "networkVersion": lambda: _regex(r"([0-9]|[1-9][0-9]{1,2})\.([0-9]|[1-9][0-9]{1,2})"),
    "path": lambda: _regex(r"(/[a-zA-Z0-9_.-]{1,8}){1,4}/?"),
    "encryptedPassphrase": lambda: _regex(
        r"[a-zA-Z0-9]{2,15}=[a-z0-9+-]{1,16}(&[a-zA-Z0-9]{2,15}=[a-z0-9+-]{1,16}){0,3}"
    ),
    "ip": lambda: st.one_of(_ipv4(), _ipv6()),
    "ipv4": _ipv4,
    "ipv6": _ipv6,
    "ipOrFQDN": lambda: st.one_of(_ipv4(), _regex(_HOST)),
    "hostname": lambda: _regex(_HOST),
    "oddInteger": lambda: _regex(r"[0-9]{0,10}[13579]"),
    "regex": lambda: st.sampled_from(["", "^[a-z]+$", "[0-9]{2,4}", "a|b", "^(x|y)*$"]),
    "date": lambda: st.dates().map(lambda day: day.isoformat()),
    "date-time": lambda: st.datetimes(timezones=st.just(UTC)).map(lambda t: t.isoformat()),
    # With rfc3339-validator a time needs its offset; without it, jsonschema wants none.
    "time": lambda: _regex(r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](Z|[+-]0[0-9]:00)?"),
    "uuid": lambda: st.uuids().map(str),
    "email": lambda: _regex(r"[a-z0-9]{1,8}@[a-z]{1,8}\.(com|org|io)"),
    "uri": lambda: _regex(r"https://[a-z]{1,8}\.(com|org)(/[a-z0-9]{1,6}){0,3}"),
    "url": lambda: _regex(r"https://[a-z]{1,8}\.(com|org)(/[a-z0-9]{1,6}){0,3}"),
    "uri-reference": lambda: _regex(r"(/[a-z0-9]{1,6}){1,3}"),
    "json-pointer": lambda: _regex(r"(/[a-z0-9]{0,6}){0,3}"),
}


def format_strings(name: str, min_length: int, max_length: int | None) -> _Strings:
    """Strings of format ``name`` (lengths in characters, bounds inclusive), as Klayr checks it."""
    if name not in KNOWN_FORMATS:
        raise InvalidArgument(f"unknown format {name!r}")
    if name == "bytes":
        raise InvalidArgument("format 'bytes' never accepts a string (as in @klayr/validator)")
    if name == "hex":
        return _hex(
            min_length, min_length + 2 * _DEFAULT_MAX_LENGTH if max_length is None else max_length
        )
    if max_length is None:
        max_length = max(min_length + _DEFAULT_MAX_LENGTH, _LONGEST_DRAWN)
    fmt = FORMATS.get(name)
    if fmt is not None and fmt.numeric:
        return st.text(
            min_size=min_length, max_size=min(max_length, min_length + _DEFAULT_MAX_LENGTH)
        )
    make = _FIXED.get(name)
    if make is None:  # password, binary, and standard formats without a generator here
        base: _Strings = st.text(
            min_size=min_length, max_size=min(max_length, min_length + _DEFAULT_MAX_LENGTH)
        )
    else:
        base = make()
    check = fmt.check if fmt is not None else (lambda _value: True)
    return base.filter(lambda value: min_length <= len(value) <= max_length and check(value))
