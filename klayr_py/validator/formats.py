"""The formats Klayr's validator knows, with @klayr/validator's exact acceptance rules.

Ajv applies a format only to values of the format's JSON type: ``uint32``, ``int32``, ``float`` and
``double`` to numbers, every other format to strings; other values pass. Klayr's own formats
(``formats.js``) are reproduced exactly. The standard formats that Klayr inherits from ajv-formats
(``date``, ``uri``, ``email`` ...) are checked by jsonschema's implementations where those exist.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jsonschema import FormatChecker

from ..errors import KlayrError
from .constants import MAX_SINT64, MAX_UINT32, MAX_UINT64, MIN_SINT64
from .js_regex import compile_js_pattern
from .json_types import is_integer, is_number


@dataclass(frozen=True)
class Format:
    """A named format: the values it applies to and the predicate they must satisfy."""

    name: str
    check: Callable[[Any], bool]
    numeric: bool = False

    def applies_to(self, value: Any) -> bool:
        """Whether Ajv would run this format on ``value`` at all."""
        return is_number(value) if self.numeric else isinstance(value, str)


def _full(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda value: compiled.fullmatch(value) is not None


_INTEGER_STRING = re.compile(r"[-+]?[0-9]+")  # validator.js isInt, leading zeros allowed


def _integer_string(value: str, low: int, high: int) -> bool:
    if _INTEGER_STRING.fullmatch(value) is None:
        return False
    sign = -1 if value[0] == "-" else 1
    digits = value.lstrip("+-").lstrip("0") or "0"
    if len(digits) > 20:  # beyond any 64-bit value; also keeps int() below its digit limit
        return False
    return low <= sign * int(digits) <= high


def is_hex(value: str) -> bool:
    """An even number of hex digits, or the empty string."""
    return value == "" or _HEX.fullmatch(value) is not None


_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")


def is_uint64_string(value: str) -> bool:
    """A decimal string of an unsigned 64-bit integer (the JSON form of ``uint64``)."""
    return _integer_string(value, 0, MAX_UINT64)


def is_int64_string(value: str) -> bool:
    """A decimal string of a signed 64-bit integer (the JSON form of ``sint64``)."""
    return _integer_string(value, MIN_SINT64, MAX_SINT64)


def is_uint32_number(value: Any) -> bool:
    """An integral number in 0..2**32-1."""
    return is_integer(value) and 0 <= value <= MAX_UINT32


def is_int32_number(value: Any) -> bool:
    """An integral number in -2**31..2**31-1 (ajv-formats' ``int32``)."""
    return is_integer(value) and -(2**31) <= value <= 2**31 - 1


# camelCase: Klayr's regex reduces to "a lowercase ASCII letter, then ASCII letters and digits".
is_camel_case = _full(r"[a-z][a-zA-Z0-9]*")
is_network_version = _full(r"(?:[0-9]|[1-9][0-9]{1,2})\.(?:[0-9]|[1-9][0-9]{1,2})")
# JavaScript's "." in Klayr's path regex excludes line terminators.
is_path = _full("[^\\n\\r\\u2028\\u2029]?(?:/[^/]+)+/?")
is_odd_integer_string = _full(r"[0-9]*[13579]")

_KEY_VALUE = r"[a-zA-Z0-9]{2,15}=[a-z0-9+-]{1,512}"
is_encrypted_passphrase = _full(rf"{_KEY_VALUE}(?:&{_KEY_VALUE}){{0,10}}")


# --- semver.valid (npm semver 7.5, strict mode), as Klayr's ``version`` format uses it ---
_SEMVER_NUMBER = r"0|[1-9][0-9]*"
_SEMVER_PRE_ID = rf"(?:{_SEMVER_NUMBER}|[0-9]*[a-zA-Z-][a-zA-Z0-9-]*)"
_SEMVER_BUILD_ID = r"[0-9A-Za-z-]+"
_SEMVER = re.compile(
    rf"v?({_SEMVER_NUMBER})\.({_SEMVER_NUMBER})\.({_SEMVER_NUMBER})"
    rf"(?:-{_SEMVER_PRE_ID}(?:\.{_SEMVER_PRE_ID})*)?"
    rf"(?:\+{_SEMVER_BUILD_ID}(?:\.{_SEMVER_BUILD_ID})*)?"
)
_SEMVER_MAX_LENGTH = 256
_JS_MAX_SAFE_INTEGER = 2**53 - 1
# String.prototype.trim's whitespace and line terminators (differs from str.strip's set).
_JS_TRIM = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def is_semver(value: str) -> bool:
    """A strict semantic version (``1.2.3``, ``v1.2.3-rc.1+build``), as ``semver.valid`` accepts."""
    if len(value) > _SEMVER_MAX_LENGTH:
        return False
    match = _SEMVER.fullmatch(value.strip(_JS_TRIM))
    return match is not None and all(int(part) <= _JS_MAX_SAFE_INTEGER for part in match.groups())


# --- validator.js isIP (v4 and v6, with an optional IPv6 zone) ----------------------------------
_IPV4_PART = re.compile(r"0|[1-9][0-9]{0,2}")
_IPV6_GROUP = re.compile(r"[0-9a-fA-F]{1,4}")
_IPV6_ZONE = re.compile(r"[0-9a-zA-Z.:-]+")


def is_ipv4(value: str) -> bool:
    """Dotted-quad IPv4 without leading zeros."""
    parts = value.split(".")
    return len(parts) == 4 and all(
        _IPV4_PART.fullmatch(part) is not None and int(part) <= 255 for part in parts
    )


def _groups_ok(groups: list[str]) -> bool:
    return all(_IPV6_GROUP.fullmatch(group) is not None for group in groups)


def is_ipv6(value: str) -> bool:
    """IPv6 in full, ``::``-compressed or IPv4-suffixed form, optionally with a ``%zone``."""
    address, has_zone, zone = value.partition("%")
    if has_zone and _IPV6_ZONE.fullmatch(zone) is None:
        return False
    head, compressed, tail = address.partition("::")
    if not compressed:
        groups = address.split(":")
        if len(groups) == 7 and is_ipv4(groups[-1]):
            return _groups_ok(groups[:-1])
        return len(groups) == 8 and _groups_ok(groups)
    if "::" in tail:
        return False
    leading = head.split(":") if head else []
    trailing = tail.split(":") if tail else []
    # An embedded IPv4 address stands for two groups and may only end the address.
    limit = 7
    if trailing and "." in trailing[-1]:
        if not is_ipv4(trailing.pop()):
            return False
        limit = 5
    return len(leading) + len(trailing) <= limit and _groups_ok(leading) and _groups_ok(trailing)


def is_ip(value: str) -> bool:
    """IPv4 or IPv6 (Klayr's ``ip`` format)."""
    return is_ipv4(value) or is_ipv6(value)


_HOSTNAME_LABEL = r"[a-zA-Z](?:[-0-9a-zA-Z]*[0-9a-zA-Z])?"
_HOSTNAME = re.compile(rf"{_HOSTNAME_LABEL}(?:\.{_HOSTNAME_LABEL})*")


def is_ip_or_fqdn(value: str) -> bool:
    """IPv4 or a host name whose labels start with a letter (Klayr's ``ipOrFQDN`` format)."""
    return is_ipv4(value) or _HOSTNAME.fullmatch(value) is not None


def is_klayr32(value: str) -> bool:
    """A valid Klayr32 address (``kly...``), checked by klayr_py.crypto."""
    # Imported here: crypto sits beside the validator, and only this format needs it.
    from klayr_py.crypto.address import validate_klayr32_address

    try:
        return bool(validate_klayr32_address(value))
    except (KlayrError, ValueError):
        return False


def is_js_regex(value: str) -> bool:
    """A pattern that compiles (with JavaScript's reading of ``$`` and ``.``)."""
    try:
        compile_js_pattern(value)
    except re.error:
        return False
    return True


_STANDARD_CHECKER = FormatChecker()


def _standard(name: str) -> Format:
    return Format(name, lambda value: _STANDARD_CHECKER.conforms(value, name))


def _always(_value: Any) -> bool:
    return True


def _never(_value: Any) -> bool:
    return False


_KLAYR_FORMATS = [
    Format("hex", is_hex),
    # @klayr/validator's "bytes" format asks whether a *string* is a Buffer: it never is.
    Format("bytes", _never),
    Format("int64", is_int64_string),
    Format("uint64", is_uint64_string),
    Format("uint32", is_uint32_number, numeric=True),
    Format("camelCase", is_camel_case),
    Format("version", is_semver),
    Format("networkVersion", is_network_version),
    Format("path", is_path),
    Format("encryptedPassphrase", is_encrypted_passphrase),
    Format("ip", is_ip),
    Format("ipOrFQDN", is_ip_or_fqdn),
    Format("oddInteger", is_odd_integer_string),
    Format("klayr32", is_klayr32),
]

_AJV_FORMATS = [
    Format("int32", is_int32_number, numeric=True),
    Format("float", _always, numeric=True),
    Format("double", _always, numeric=True),
    Format("regex", is_js_regex),
    *(
        _standard(name)
        for name in (
            "date", "time", "date-time", "duration", "uri", "uri-reference", "uri-template",
            "url", "email", "hostname", "ipv4", "ipv6", "uuid", "json-pointer",
            "json-pointer-uri-fragment", "relative-json-pointer", "byte",
        )
    ),
]  # fmt: skip

FORMATS: dict[str, Format] = {fmt.name: fmt for fmt in (*_AJV_FORMATS, *_KLAYR_FORMATS)}
# ajv-formats declares these as ``true``: known names that never fail.
UNCHECKED_FORMATS = frozenset({"password", "binary"})
KNOWN_FORMATS = frozenset(FORMATS) | UNCHECKED_FORMATS
KLAYR_FORMAT_NAMES = tuple(fmt.name for fmt in _KLAYR_FORMATS)
