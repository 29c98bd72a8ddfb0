"""The hello example application: Klayr's default modules plus the Hello module.

Run the node (from the repository root, after ``pip install .``)::

    python examples/hello_module/app.py               # RPC on 127.0.0.1:7887
    python examples/hello_module/app.py --port 7889   # beside another node on 7887

It starts a single-node chain from ``config/`` (genesis block with funded dev accounts, the dev
validator's key), stores it in ``examples/hello_module/.data`` and forges a block every 5 seconds.
The CLI does the same: ``klayr-py start --app examples/hello_module/app.py
--config examples/hello_module/config/config.json``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))  # make the ``hello`` package importable

from hello import HelloModule  # noqa: E402

from klayr_py import Application, ApplicationConfig, load_config  # noqa: E402

CONFIG_FILE = HERE / "config" / "config.json"


def create_app(config: ApplicationConfig, config_dir: Path) -> Application:
    """The application: auth, validators, token, fee, then hello."""
    app, _ = Application.default_application(config, config_dir=config_dir)
    app.register_module(HelloModule())
    return app


def example_config(argv: Sequence[str] | None = None) -> ApplicationConfig:
    """The example's configuration with the command line's overrides (``--port``)."""
    parser = argparse.ArgumentParser(description="Run the hello example node.")
    parser.add_argument(
        "--port", type=int, help="rpc.port for WebSocket and HTTP (default: the config's, 7887)"
    )
    args = parser.parse_args(argv)
    if args.port is not None and not 1 <= args.port <= 65535:
        parser.error(f"--port must be between 1 and 65535, got {args.port}")
    config = load_config(CONFIG_FILE)
    if args.port is not None:
        config = config.with_overrides(rpc={"port": args.port})
    return config


def main(argv: Sequence[str] | None = None) -> None:
    """Start the node with the example's configuration; stop with Ctrl+C."""
    from klayr_py import ConfigError, KlayrError

    config = example_config(argv)
    try:
        app = create_app(config, CONFIG_FILE.parent)
        app.run()
    except (ConfigError, KlayrError) as error:
        sys.exit(f"error: {error}")


if __name__ == "__main__":
    main()
