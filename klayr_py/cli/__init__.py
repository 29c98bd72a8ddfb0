"""``klayr-py``: the command line of klayr_py (Klayr Commander's commands, the Python way).

See docs/cli.md. Every error is one line on stderr and exit code 1 (2 for a usage error).
"""

from __future__ import annotations

import click

from klayr_py.cli._client import block, endpoint, transaction
from klayr_py.cli._common import KlayrGroup
from klayr_py.cli._console import console
from klayr_py.cli._genesis import genesis
from klayr_py.cli._keys import keys
from klayr_py.cli._node import chain, start
from klayr_py.cli._scaffold import generate, init
from klayr_py.cli._testnet import testnet

__all__ = ["cli", "main"]


@click.group(cls=KlayrGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="klayr-py", prog_name="klayr-py")
def cli() -> None:
    """Build and run Klayr-style blockchain applications in Python."""


for command in (
    init, generate, start, genesis, keys, transaction, endpoint, block, chain, console, testnet
):  # fmt: skip
    cli.add_command(command)
cli.add_command(chain, name="blockchain")  # Klayr Commander's name for the same commands


def main() -> None:
    """The console script."""
    cli(prog_name="klayr-py")
