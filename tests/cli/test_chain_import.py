"""``klayr-py chain import``: blocks produced by one node, verified and appended by another."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner

from klayr_py.chain import Block
from klayr_py.cli import cli
from tests.node.dev_chain import ACCOUNTS, config, create_chain, hello, make_app, slot_timestamp

APP = str(Path(__file__).resolve().parents[2] / "examples" / "hello_module" / "app.py")


def _forge_elsewhere(tmp: Path, count: int) -> list[Block]:
    app = make_app(tmp)
    engine = app.start()
    blocks = []
    for slot in range(1, count + 1):
        engine.add_transaction(hello(app, ACCOUNTS[0], slot - 1, f"imported {slot}"))
        block = app.forge(slot_timestamp(slot))
        assert block is not None
        blocks.append(block)
    app.close()
    return blocks


def test_blocks_from_files_are_verified_and_appended(tmp_path: Path) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    source.mkdir()
    create_chain(source)
    blocks = _forge_elsewhere(source, 3)
    target.mkdir()
    shutil.copy(source / "genesis.blob", target / "genesis.blob")
    (target / "keys.json").write_text('{"keys": []}')  # this node forges nothing
    (target / "config.json").write_text(json.dumps(config(target)))
    files = []
    for block in blocks[:2]:  # as `klayr-py block get` prints them, and as bytes
        file = target / f"block{block.header.height}.json"
        file.write_text(json.dumps(block.to_json()))
        files.append(str(file))
    raw = target / "block3.blob"
    raw.write_bytes(blocks[2].get_bytes())
    files.append(str(raw))
    start = make_app(target)
    start.start()
    start.close()  # the target node exists at height 0

    runner = CliRunner()
    arguments = ["chain", "import", "--config", str(target / "config.json"), "--app", APP]
    result = runner.invoke(cli, [*arguments, *files])
    assert result.exit_code == 0, result.output
    assert f"imported to height 3 ({blocks[2].id.hex()})" in result.output

    tampered = replace(blocks[2].header, height=4, signature=b"")
    bad = target / "bad.json"
    bad.write_text(json.dumps(Block(tampered, blocks[2].transactions, blocks[2].assets).to_json()))
    result = runner.invoke(cli, [*arguments, str(bad)])
    assert result.exit_code == 1
    assert "Error:" in result.output and "Traceback" not in result.output
    junk = target / "junk.json"
    junk.write_text("{not a block")
    result = runner.invoke(cli, [*arguments, str(junk)])
    assert result.exit_code == 1 and "not a block" in result.output
    app = make_app(target)
    assert app.start().height == 3  # nothing was lost
    app.close()
