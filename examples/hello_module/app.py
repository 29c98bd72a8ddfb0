"""The hello example application: Klayr's default modules plus the Hello module.

Run the node (from the repository root, after ``pip install .``)::

    python examples/hello_module/app.py

It starts a single-node chain from ``config/`` (genesis block with funded dev accounts, the dev
validator's key), stores it in ``examples/hello_module/.data`` and forges a block every 5 seconds.
The CLI does the same: ``klayr-py start --app examples/hello_module/app.py
--config examples/hello_module/config/config.json``.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))  # make the ``hello`` package importable

from hello import HelloModule  # noqa: E402

from klayr_py.node import Application, ApplicationConfig, load_config  # noqa: E402

CONFIG_FILE = HERE / "config" / "config.json"


def create_app(config: ApplicationConfig, config_dir: Path) -> Application:
    """The application: auth, validators, token, fee, then hello."""
    app, _ = Application.default_application(config, config_dir=config_dir)
    app.register_module(HelloModule())
    return app


def main() -> None:
    """Start the node with the example's configuration; stop with Ctrl+C."""
    from klayr_py.errors import KlayrError
    from klayr_py.node.config import ConfigError

    try:
        app = create_app(load_config(CONFIG_FILE), CONFIG_FILE.parent)
        app.run()
    except (ConfigError, KlayrError) as error:
        sys.exit(f"error: {error}")


if __name__ == "__main__":
    main()
