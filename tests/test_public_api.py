"""The public API: one import for module and application authors, checked by mypy."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import klayr_py

PUBLIC_NAMES = {
    "Address", "Application", "ApplicationConfig", "BaseCommand", "BaseEndpoint", "BaseEvent",
    "BaseMethod", "BaseModule", "BaseOffchainStore", "BaseSingletonStore", "BaseStore",
    "BlockAfterExecuteContext", "BlockExecuteContext", "BlockVerifyContext", "CodecError",
    "CommandExecuteContext", "CommandVerifyContext", "ConfigError", "CryptoError", "DataType",
    "DefaultMethods",
    "EndpointContext", "EventQueuer", "Field", "FieldNumber", "Format",
    "GenesisBlockExecuteContext", "ImmutableMethodContext", "ImmutableStoreGetter",
    "ImmutableSubStore", "InsertAssetContext", "KeyValue", "KlayrError", "KlayrModel",
    "MethodContext", "ModuleMetadata", "NamedRegistry", "NotFoundError", "OffchainStoreGetter",
    "SInt32", "SInt64", "StateWriteError", "StoreGetter", "SubStore", "WritableContext",
    "TransactionExecuteContext", "TransactionVerifyContext", "UInt32", "UInt64",
    "ValidationError", "VerificationResult", "VerifyStatus", "__version__", "load_config",
    "schema_from_model",
}  # fmt: skip


def test_public_names_are_pinned() -> None:
    assert set(klayr_py.__all__) == PUBLIC_NAMES


def test_every_public_name_resolves() -> None:
    for name in klayr_py.__all__:
        assert getattr(klayr_py, name) is not None, name


def test_application_loads_lazily() -> None:
    code = "import sys, klayr_py; print('klayr_py.node' in sys.modules); klayr_py.Application"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Aplication'"):
        klayr_py.Aplication  # noqa: B018


_MODULE = """
from klayr_py import (
    BaseCommand, BaseStore, CommandExecuteContext, CommandVerifyContext, KlayrModel, UInt64,
    VerificationResult,
)


class Counter(KlayrModel):
    counter: UInt64


class CounterStore(BaseStore[Counter]):
    pass


class Params(KlayrModel):
    amount: UInt64


class CountCommand(BaseCommand[Params]):
    def verify(self, ctx: CommandVerifyContext[Params]) -> VerificationResult:
        {verify_body}
        return VerificationResult.ok()

    def execute(self, ctx: CommandExecuteContext[Params]) -> None:
        store = CounterStore("counter", 0)
        store.set(ctx, b"", Counter(counter=ctx.params.amount))
"""


_VARIANTS = {
    "well_typed": "assert ctx.params.amount >= 0",
    "write_in_verify": 'CounterStore("counter", 0).set(ctx, b"", Counter(counter=1))',
    "misspelt_field": "assert ctx.param.amount >= 0",
}
_ROOT = Path(klayr_py.__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """mypy (strict, the project's settings) over one small module per variant, in one run."""
    try:
        import mypy  # noqa: F401
    except ImportError:
        pytest.skip("mypy is not installed (pip install -e '.[test]' brings it)")
    directory = tmp_path_factory.mktemp("mypy")
    for name, body in _VARIANTS.items():
        source = textwrap.dedent(_MODULE).replace("{verify_body}", body)
        (directory / f"{name}.py").write_text(source)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(_ROOT / "pyproject.toml"),
         *(str(directory / f"{name}.py") for name in _VARIANTS)],
        capture_output=True,
        text=True,
        cwd=directory,
        # Editable installs hide the package from mypy behind an import hook: point at the source.
        env={**os.environ, "MYPYPATH": str(_ROOT)},
    )  # fmt: skip
    errors: dict[str, str] = {name: "" for name in _VARIANTS}
    for line in result.stdout.splitlines():
        name = Path(line.split(":", 1)[0]).stem
        if name in errors:
            errors[name] += line + "\n"
        elif ": error:" in line:
            pytest.fail(f"mypy found an error outside the test modules: {line}")
    return errors


def test_a_well_typed_module_passes_mypy(mypy_output: dict[str, str]) -> None:
    assert mypy_output["well_typed"] == ""


def test_mypy_catches_a_write_from_a_verify_hook(mypy_output: dict[str, str]) -> None:
    assert 'Argument 1 to "set" of "_PrefixedStore"' in mypy_output["write_in_verify"]
    assert "CommandVerifyContext" in mypy_output["write_in_verify"]


def test_mypy_catches_a_misspelt_context_field(mypy_output: dict[str, str]) -> None:
    assert 'has no attribute "param"' in mypy_output["misspelt_field"]
