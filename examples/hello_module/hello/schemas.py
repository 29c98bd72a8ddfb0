"""The Hello module's value types; their derived schemas encode like the TypeScript example's.

(The params schema gets its message lengths from the module config in ``init``.)
"""

from __future__ import annotations

from klayr_py import KlayrModel, UInt32


class CounterData(KlayrModel):
    """The total number of hellos (the counter store's single value)."""

    counter: UInt32


class MessageData(KlayrModel):
    """The latest hello of one account."""

    message: str


class CreateHelloParams(KlayrModel):
    """Params of ``hello:createHello``; lengths come from the module config (see the command)."""

    message: str


class NewHelloData(KlayrModel):
    """The ``newHello`` event: who said hello, and what."""

    sender_address: bytes
    message: str


CONFIG_SCHEMA = {
    "$id": "/hello/config",
    "type": "object",
    "properties": {
        "maxMessageLength": {"type": "integer", "format": "uint32"},
        "minMessageLength": {"type": "integer", "format": "uint32"},
        "blacklist": {"type": "array", "items": {"type": "string", "minLength": 1}},
    },
    "required": ["maxMessageLength", "minMessageLength", "blacklist"],
    "additionalProperties": False,
}

DEFAULT_CONFIG = {"maxMessageLength": 256, "minMessageLength": 3, "blacklist": ["illegalWord1"]}

GET_HELLO_REQUEST_SCHEMA = {
    "$id": "/hello/endpoint/getHelloRequest",
    "type": "object",
    "properties": {"address": {"type": "string", "format": "klayr32"}},
    "required": ["address"],
}
