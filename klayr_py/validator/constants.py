"""Integer bounds of Klayr's data types (the same numbers as @klayr/validator's constants)."""

from __future__ import annotations

MAX_SINT32 = 2**31 - 1
MIN_SINT32 = -(2**31)
MAX_UINT32 = 2**32 - 1
MAX_SINT64 = 2**63 - 1
MIN_SINT64 = -(2**63)
MAX_UINT64 = 2**64 - 1

# fieldNumber is a protobuf-style field number; Klayr caps it below protobuf's reserved range.
MIN_FIELD_NUMBER = 1
MAX_FIELD_NUMBER = 18999

DATA_TYPES = ("bytes", "uint32", "sint32", "uint64", "sint64", "string", "boolean")
