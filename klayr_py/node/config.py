"""The node's configuration: pydantic models mirroring Klayr's ``config.json``.

Property names are Klayr's (``system.dataPath``, ``genesis.blockTime``...); Python code reads the
snake_case attributes. :func:`load_config` turns every problem of a file into one
:class:`ConfigError` listing each bad key and why, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from klayr_py.errors import KlayrError

__all__ = [
    "ApplicationConfig",
    "ConfigError",
    "GeneratorConfig",
    "GenesisConfig",
    "PluginsConfig",
    "RpcConfig",
    "SystemConfig",
    "TransactionPoolConfig",
    "load_config",
]


RpcMode = Literal["ipc", "ws", "http"]


def _default_modes() -> list[RpcMode]:
    return ["ipc"]


class ConfigError(KlayrError, ValueError):
    """A configuration is invalid; the message lists every bad key."""


class _Section(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class SystemConfig(_Section):
    """``system``: where data lives, how much is logged, how long events are kept."""

    data_path: str = "~/.klayr_py/default"
    log_level: Literal["trace", "debug", "info", "warn", "error", "fatal", "none"] = "info"
    keep_events_for_heights: int = Field(default=300, ge=-1)
    """Blocks whose events are kept; -1 keeps all (Klayr's default is 300)."""
    keep_state_diffs_for_heights: int = Field(default=16, ge=-1)
    """Heights behind the finalized one whose state diff and state tree are kept: those blocks
    stay revertible and those roots provable; older diffs and tree pages are deleted with each
    block's commit (klayr_py only; -1 keeps all). See docs/state.md."""
    signature_workers: int = Field(default=0, ge=0, le=64)
    """Threads that check transaction signatures ahead of the state machine, on other cores
    (klayr_py only; 0 = none; needs the Rust extension, whose verifier releases the GIL)."""
    parallel_roots: Literal[True, False, "auto"] = "auto"
    """Build each block's event root in a worker process while the block executes (klayr_py
    only). ``"auto"``: when this process may run on two CPUs or more, where it pays off."""
    state_cache_size: int = Field(default=512, ge=0)
    """MiB of state-tree pages kept in memory (klayr_py only). The tree of 10^6 keys is about
    320 MiB; pages that do not fit are read from LevelDB, several times slower."""


class RpcConfig(_Section):
    """``rpc``: the JSON-RPC interfaces (served from issue #5 on)."""

    modes: list[RpcMode] = Field(default_factory=_default_modes)
    host: str = "127.0.0.1"
    """A host other than loopback exposes the RPC, which has no authentication (a warning)."""
    port: int = Field(default=7887, ge=1, le=65535)
    allowed_methods: list[str] = Field(default_factory=lambda: ["*"])
    """Globs of the methods served, and of the events a WebSocket may subscribe to."""
    max_request_size: int = Field(default=1 << 20, ge=1024)
    """Bytes of one HTTP body, WebSocket message or IPC request (klayr_py only): the same limit
    on every transport; one byte more is refused."""
    max_batch_length: int = Field(default=100, ge=1)
    """Requests in one JSON-RPC batch (klayr_py only)."""
    max_response_size: int = Field(default=4 << 20, ge=1024)
    """Bytes of JSON one message may answer, a whole batch included (klayr_py only)."""
    max_block_range: int = Field(default=100, ge=1)
    """Blocks ``chain_getBlocksByHeightBetween`` returns in one call (klayr_py only; Klayr's
    engine sets no cap)."""
    request_timeout: float = Field(default=5.0, gt=0)
    """Seconds to answer one message, a whole batch included (klayr_py only)."""
    workers: int = Field(default=2, ge=1, le=64)
    """Threads that read blocks and build responses, off the forging path (klayr_py only)."""
    max_connections: int = Field(default=200, ge=1)
    """Open RPC connections on each listener (TCP, and the IPC socket apart, so a TCP flood does
    not lock local tools out); more are answered 503 and closed (klayr_py only)."""
    header_timeout: float = Field(default=10.0, gt=0)
    """Seconds a connection may take to send a whole request, and may stay open idle between
    HTTP requests (klayr_py only)."""
    idle_timeout: float = Field(default=60.0, gt=0)
    """Seconds a WebSocket with no subscription may stay silent before it is closed (klayr_py
    only)."""


class GenesisBlockSource(_Section):
    """``genesis.block``: the genesis block file (binary, as ``klayr-py genesis create`` writes)."""

    from_file: str = "./config/genesis_block.blob"


class GenesisConfig(_Section):
    """``genesis``: the chain's constants. Changing one starts a different chain."""

    block: GenesisBlockSource = Field(default_factory=GenesisBlockSource)
    block_time: int = Field(default=10, ge=1)
    """Seconds per slot."""
    chain_id: str = Field(default="04000000", alias="chainID", pattern=r"^[0-9a-fA-F]{8}$")
    max_transactions_size: int = Field(default=15 * 1024, ge=1)
    """Bytes of transactions per block."""
    min_fee_per_byte: int = Field(default=1000, ge=0)
    """Beddows per transaction byte (the fee module's minimum fee)."""
    bft_batch_size: int = Field(default=103, ge=1)

    @property
    def chain_id_bytes(self) -> bytes:
        """The chain ID as 4 bytes."""
        return bytes.fromhex(self.chain_id)


class GeneratorKeysSource(_Section):
    """``generator.keys``: the file with the validators' generator keys."""

    from_file: str | None = None


class GeneratorConfig(_Section):
    """``generator``: whose blocks this node forges."""

    keys: GeneratorKeysSource = Field(default_factory=GeneratorKeysSource)
    force: bool = False
    """Forge even when the previous block is old (a dev chain started after a pause)."""


class TransactionPoolConfig(_Section):
    """``transactionPool``: Klayr's pool limits (fees in beddows, expiry in milliseconds)."""

    max_transactions: int = Field(default=4096, ge=1)
    max_transactions_per_account: int = Field(default=64, ge=1)
    transaction_expiry_time: int = Field(default=3 * 60 * 60 * 1000, ge=60_000)
    min_entrance_fee_priority: int = Field(default=0, ge=0)
    min_replacement_fee_difference: int = Field(default=10, ge=0)
    max_nonce_gap: int = Field(default=64, ge=1)
    """A pooled nonce must be below the account's nonce + this (klayr_py only)."""

    @field_validator("min_entrance_fee_priority", "min_replacement_fee_difference", mode="before")
    @classmethod
    def _amount(cls, value: Any) -> Any:
        # Klayr writes amounts as decimal strings ("10").
        if isinstance(value, str) and value.isdigit():
            return int(value)
        return value


class PluginsConfig(_Section):
    """``plugins``: where plugins live, which run, and each one's config.

    Every other key is a plugin's name with its configuration (Klayr's ``plugins.<name>``),
    validated against the plugin manifest's ``config_schema``.
    """

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="allow", frozen=True
    )

    directory: str | None = None
    """A folder of plugin directories (each with a ``plugin.toml``); none: no plugins."""
    enabled: list[str] | None = None
    """The plugins to run; none: every plugin found."""
    heartbeat_timeout: float = Field(default=5.0, gt=0)
    """Seconds without a heartbeat after which a plugin is stopped and restarted."""
    max_restarts: int = Field(default=5, ge=0)
    """Restarts after crashes before a plugin is given up."""
    event_buffer: int = Field(default=256, ge=1)
    """Events waiting for a slow plugin before further ones are dropped (and counted); also
    how many recent events a restarted plugin can get again."""
    sandbox: Literal["required", "optional", "off"] = "required"
    """``required``: every plugin runs in a bubblewrap sandbox, and none runs where bubblewrap
    is unavailable; ``optional`` (the operator's explicit opt-out): sandboxed when possible,
    otherwise unconfined, with a warning; ``off``: never sandboxed."""
    storage_quota_mb: int = Field(default=64, ge=1)
    """MiB each plugin may keep on the node's disk (its storage and its data directory)."""
    storage_quotas: dict[str, pydantic.PositiveInt] = Field(default_factory=dict)
    """Quotas in MiB of particular plugins, by name, instead of ``storageQuotaMb``."""
    restarts_reset_after: float = Field(default=60.0, gt=0)
    """Seconds a plugin must run without crashing for its restart budget to be whole again."""

    @property
    def configs(self) -> dict[str, dict[str, Any]]:
        """Every plugin configuration given, by plugin name."""
        return {
            name: dict(value)
            for name, value in (self.model_extra or {}).items()
            if isinstance(value, dict)
        }


class ConsensusConfig(_Section):
    """``consensus`` (klayr_py only): which driver runs the chain. ``"generator"``: the
    built-in single-node generator; ``"cometbft"``: a validator of a CometBFT network
    (docs/network.md), its home in ``cometbftHome``, its ABCI server on ``abciPort``."""

    engine: Literal["generator", "cometbft"] = "generator"
    cometbft_home: str | None = None
    abci_port: int = Field(default=26658, ge=1, le=65535)


class ApplicationConfig(_Section):
    """The whole ``config.json``. ``modules.<name>`` goes to that module's ``init``."""

    system: SystemConfig = Field(default_factory=SystemConfig)
    rpc: RpcConfig = Field(default_factory=RpcConfig)
    genesis: GenesisConfig = Field(default_factory=GenesisConfig)
    generator: GeneratorConfig = Field(default_factory=GeneratorConfig)
    transaction_pool: TransactionPoolConfig = Field(default_factory=TransactionPoolConfig)
    modules: dict[str, dict[str, Any]] = Field(default_factory=dict)
    plugins: PluginsConfig = Field(default_factory=PluginsConfig)
    network: dict[str, Any] = Field(default_factory=dict)
    """Accepted for compatibility with Klayr's files; klayr_py runs a single node."""
    consensus: ConsensusConfig = Field(default_factory=ConsensusConfig)

    _source: str = pydantic.PrivateAttr(default="config")

    @property
    def source(self) -> str:
        """Where the settings came from (the config file's path), for error messages."""
        return self._source

    @classmethod
    def from_dict(cls, value: Any, source: str = "config") -> ApplicationConfig:
        """Validate ``value``; :class:`ConfigError` lists every bad key."""
        try:
            config = cls.model_validate(value)
        except pydantic.ValidationError as error:
            raise ConfigError(_describe(error, source)) from None
        config._source = source
        return config

    def with_overrides(self, **sections: dict[str, Any]) -> ApplicationConfig:
        """A copy with some keys of some sections replaced, e.g. ``system={"dataPath": p}``."""
        data = self.model_dump(by_alias=True)
        for name, values in sections.items():
            data[to_camel(name)].update(values)
        return ApplicationConfig.from_dict(data, self._source)

    def resolve_path(self, path: str, base: Path) -> Path:
        """``path`` with ``~`` expanded, relative to ``base`` (the config file's folder)."""
        resolved = Path(path).expanduser()
        return resolved if resolved.is_absolute() else (base / resolved).resolve()


def load_config(path: str | Path) -> ApplicationConfig:
    """Read and validate a JSON config file; :class:`ConfigError` names every problem."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read config file {file}: {error.strerror}") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(
            f"{file}: not valid JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    if not isinstance(value, dict):
        raise ConfigError(f"{file}: the configuration must be a JSON object")
    return ApplicationConfig.from_dict(value, str(file))


def _describe(error: pydantic.ValidationError, source: str) -> str:
    lines = [f"{source}: {error.error_count()} invalid setting(s)"]
    for problem in error.errors():
        location = ".".join(str(part) for part in problem["loc"]) or "(root)"
        message = problem["msg"]
        if problem["type"] == "extra_forbidden":
            message = "unknown setting"
        lines.append(f"  {location}: {message}")
    return "\n".join(lines)
