"""JSON-form validation (config files, RPC parameters) through the same validate()."""

from __future__ import annotations

from typing import Any

import pytest

from klayr_py.errors import ValidationError
from klayr_py.validator import validate

CONFIG_SCHEMA: dict[str, Any] = {
    "$id": "/test/config",
    "type": "object",
    "required": ["system", "network", "genesis"],
    "properties": {
        "system": {
            "type": "object",
            "required": ["dataPath", "version"],
            "properties": {
                "dataPath": {"type": "string", "format": "path"},
                "version": {"type": "string", "format": "version"},
                "logLevel": {"type": "string", "enum": ["info", "debug", "none"]},
            },
        },
        "network": {
            "type": "object",
            "properties": {
                "port": {"type": "integer", "minimum": 1, "maximum": 65535},
                "host": {"type": "string", "format": "ipOrFQDN"},
                "seedPeers": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["ip", "port"],
                        "properties": {
                            "ip": {"type": "string", "format": "ip"},
                            "port": {"type": "integer", "format": "uint32"},
                        },
                    },
                },
            },
        },
        "genesis": {
            "type": "object",
            "properties": {
                "chainID": {"type": "string", "format": "hex", "minLength": 8, "maxLength": 8},
                "minimumFee": {"type": "string", "format": "uint64"},
                "blockTime": {"type": "integer", "minimum": 1},
            },
        },
    },
}

GOOD_CONFIG = {
    "system": {"dataPath": "~/.klayr/app", "version": "0.1.0", "logLevel": "info"},
    "network": {
        "port": 7667,
        "host": "127.0.0.1",
        "seedPeers": [{"ip": "10.0.0.1", "port": 7667}, {"ip": "::1", "port": 7668}],
    },
    "genesis": {"chainID": "00000000", "minimumFee": "18446744073709551615", "blockTime": 10},
}


def test_valid_config() -> None:
    validate(CONFIG_SCHEMA, GOOD_CONFIG)


def test_invalid_config_lists_every_problem() -> None:
    config = {
        "system": {"dataPath": "relative", "version": "1.0"},
        "network": {"port": 0, "host": "-bad-", "seedPeers": [{"ip": "300.0.0.1"}]},
        "genesis": {"chainID": "0000", "minimumFee": "-5", "blockTime": 1.5},
    }
    with pytest.raises(ValidationError) as caught:
        validate(CONFIG_SCHEMA, config)
    assert caught.value.errors == [
        "Property '.system.dataPath' must match format \"path\"",
        "Property '.system.version' must match format \"version\"",
        "Property '.network.port' must be >= 1",
        "Property '.network.host' must match format \"ipOrFQDN\"",
        "Missing property, must have required property 'port' at '.network.seedPeers.0'",
        "Property '.network.seedPeers.0.ip' must match format \"ip\"",
        "Property '.genesis.chainID' must NOT have fewer than 8 characters",
        "Property '.genesis.minimumFee' must match format \"uint64\"",
        "Property '.genesis.blockTime' should be of type 'integer'",
    ]


def test_rpc_params_in_json_form_and_native_form() -> None:
    json_schema = {
        "type": "object",
        "required": ["address", "amount"],
        "properties": {
            "address": {"type": "string", "format": "hex"},
            "amount": {"type": "string", "format": "uint64"},
        },
    }
    native_schema = {
        "type": "object",
        "required": ["address", "amount"],
        "properties": {
            "address": {"dataType": "bytes", "fieldNumber": 1},
            "amount": {"dataType": "uint64", "fieldNumber": 2},
        },
    }
    validate(json_schema, {"address": "ab" * 20, "amount": "100"})
    validate(native_schema, {"address": bytes(20), "amount": 100})
    with pytest.raises(ValidationError):
        validate(native_schema, {"address": "ab" * 20, "amount": "100"})
    with pytest.raises(ValidationError):
        validate(json_schema, {"address": bytes(20), "amount": 100})
