"""Application: the forging loop, and a clean stop on SIGTERM/SIGINT with everything on disk."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from klayr_py.node.application import Application, load_generator_keys
from klayr_py.node.config import ConfigError
from tests.node.dev_chain import create_chain, make_app

ROOT = Path(__file__).resolve().parents[2]


def _one_second_app(tmp: Path) -> Application:
    # The block time is not part of the genesis state: the same genesis serves a 1 s chain.
    app = make_app(tmp)
    app.config = app.config.with_overrides(genesis={"blockTime": 1})
    return app


def test_default_application_registers_klayrs_default_modules() -> None:
    app, methods = Application.default_application()
    assert [module.name for module in app.modules] == ["auth", "validators", "token", "fee"]
    assert methods.token is app.state_machine.get_module("token").method


def test_the_loop_forges_a_block_every_block_time(tmp_path: Path) -> None:
    create_chain(tmp_path)
    app = _one_second_app(tmp_path)

    async def scenario() -> int:
        task = asyncio.create_task(app.run_async())
        await asyncio.sleep(2.6)
        height = app.engine.height if app.engine else -1
        app.shutdown()
        await task
        return height

    height = asyncio.run(scenario())
    assert height >= 2
    assert app.engine is None  # closed
    reopened = _one_second_app(tmp_path)
    engine = reopened.start()
    assert engine.height >= height
    reopened.close()


_RUN = """
import sys
sys.path[:0] = [{root!r}, {hello!r}]
from tests.node.dev_chain import make_app
app = make_app(__import__("pathlib").Path({tmp!r}), logLevel="info")
app.config = app.config.with_overrides(genesis={{"blockTime": 1}})
app.run()
"""


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_node_cleanly(tmp_path: Path, stop_signal: signal.Signals) -> None:
    create_chain(tmp_path)
    script = _RUN.format(
        root=str(ROOT), hello=str(ROOT / "examples" / "hello_module"), tmp=str(tmp_path)
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 30
    forged = 0
    while forged < 2 and time.monotonic() < deadline:
        line = process.stderr.readline()
        if " block " in line and "transactions" in line and " block 0 " not in line:
            forged += 1
    process.send_signal(stop_signal)
    _, rest = process.communicate(timeout=30)
    assert forged >= 2
    assert process.returncode == 0, rest
    assert "stopped" in rest
    assert "Traceback" not in rest
    reopened = make_app(tmp_path)
    engine = reopened.start()
    assert engine.height >= 2
    assert engine.state_store.height == engine.height
    reopened.close()


def test_a_bad_keys_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text('{"keys": [{"plain": {"generatorKey": "00", "generatorPrivateKey": "zz"}}]}')
    with pytest.raises(ConfigError, match=r"keys\[0\]"):
        load_generator_keys(path)
    path.write_text("[]")
    with pytest.raises(ConfigError, match="'keys' list"):
        load_generator_keys(path)
