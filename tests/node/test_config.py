"""Configuration files: Klayr's shape, defaults, and one clear error listing every bad key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from klayr_py.node.config import ApplicationConfig, ConfigError, load_config


def test_defaults_are_klayrs() -> None:
    config = ApplicationConfig()
    assert config.rpc.port == 7887 and config.rpc.host == "127.0.0.1"
    assert config.genesis.block_time == 10
    assert config.genesis.max_transactions_size == 15 * 1024
    assert config.transaction_pool.max_transactions == 4096
    assert config.transaction_pool.max_transactions_per_account == 64
    assert config.transaction_pool.transaction_expiry_time == 3 * 60 * 60 * 1000
    assert config.transaction_pool.min_replacement_fee_difference == 10
    assert config.system.keep_events_for_heights == 300
    assert config.system.keep_state_diffs_for_heights == 16
    assert config.system.parallel_roots == "auto"


def test_a_klayr_config_file_loads(tmp_path: Path) -> None:
    file = tmp_path / "config.json"
    file.write_text(
        json.dumps(
            {
                "system": {"dataPath": "~/.klayr/hello", "logLevel": "debug"},
                "rpc": {"modes": ["ipc", "ws"], "port": 7888},
                "genesis": {"blockTime": 5, "chainID": "04000001", "minFeePerByte": 0},
                "transactionPool": {"minReplacementFeeDifference": "20"},
                "modules": {"hello": {"maxMessageLength": 10}},
                "network": {"port": 7667},
            }
        )
    )
    config = load_config(file)
    assert config.genesis.chain_id_bytes == bytes.fromhex("04000001")
    assert config.genesis.block_time == 5
    assert config.rpc.modes == ["ipc", "ws"]
    assert config.transaction_pool.min_replacement_fee_difference == 20
    assert config.modules["hello"] == {"maxMessageLength": 10}
    assert config.resolve_path("data", tmp_path) == (tmp_path / "data").resolve()
    assert config.resolve_path(config.system.data_path, tmp_path) == Path.home() / ".klayr/hello"


def test_every_bad_key_is_listed(tmp_path: Path) -> None:
    file = tmp_path / "config.json"
    file.write_text(
        json.dumps(
            {
                "system": {
                    "logLevel": "loud",
                    "dataPth": "x",
                    "stateCacheSize": -1,
                    "parallelRoots": "sometimes",
                },
                "rpc": {"port": 99999},
                "genesis": {"blockTime": 0, "chainID": "xyz"},
            }
        )
    )
    with pytest.raises(ConfigError) as caught:
        load_config(file)
    message = str(caught.value)
    for key in (
        "system.logLevel",
        "system.dataPth: unknown setting",
        "system.stateCacheSize",
        "system.parallelRoots",
        "rpc.port",
        "genesis.blockTime",
        "genesis.chainID",
    ):
        assert key in message
    assert "7 invalid setting(s)" in message
    assert "Traceback" not in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not valid JSON at line 1"),
        ("[1, 2]", "must be a JSON object"),
    ],
)
def test_unreadable_files_fail_clearly(tmp_path: Path, content: str, expected: str) -> None:
    file = tmp_path / "config.json"
    file.write_text(content)
    with pytest.raises(ConfigError, match=expected):
        load_config(file)


def test_a_missing_file_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "absent.json")


def test_plugins_are_sandboxed_with_a_storage_quota_unless_the_operator_says_otherwise() -> None:
    plugins = ApplicationConfig().plugins
    assert (plugins.sandbox, plugins.storage_quota_mb, plugins.storage_quotas) == (
        "required",
        64,
        {},
    )
    chosen = ApplicationConfig.from_dict(
        {"plugins": {"sandbox": "optional", "storageQuotas": {"hello-stats": 256}}}
    ).plugins
    assert chosen.sandbox == "optional" and chosen.storage_quotas == {"hello-stats": 256}
    assert chosen.configs == {}  # settings, not a plugin's configuration
    with pytest.raises(ConfigError, match=r"plugins\.sandbox"):
        ApplicationConfig.from_dict({"plugins": {"sandbox": "sometimes"}})
    with pytest.raises(ConfigError, match=r"plugins\.storageQuotas\.hello-stats"):
        ApplicationConfig.from_dict({"plugins": {"storageQuotas": {"hello-stats": 0}}})


def test_rpc_limits_have_safe_defaults_and_bad_ones_are_named() -> None:
    rpc = ApplicationConfig().rpc
    assert (rpc.max_request_size, rpc.max_batch_length, rpc.max_response_size) == (
        1 << 20,
        100,
        4 << 20,
    )
    assert (rpc.max_block_range, rpc.request_timeout, rpc.workers) == (100, 5.0, 2)
    assert (rpc.max_connections, rpc.header_timeout, rpc.idle_timeout) == (200, 10.0, 60.0)
    assert ApplicationConfig().transaction_pool.max_nonce_gap == 64
    with pytest.raises(ConfigError) as error:
        ApplicationConfig.from_dict(
            {"rpc": {"maxRequestSize": 10, "requestTimeout": 0, "workers": 0},
             "transactionPool": {"maxNonceGap": 0}}
        )  # fmt: skip
    message = str(error.value)
    for key in ("rpc.maxRequestSize", "rpc.requestTimeout", "rpc.workers", "maxNonceGap"):
        assert key in message, message
