"""``klayr-py generate plugin``: a plugin of the project, in its own folder under ``plugins/``.

The plugin is laid out as ``examples/plugins/hello-stats``: a ``plugin.toml`` manifest and a
package with a ``BasePlugin`` subclass; the project's config gets ``plugins.directory``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from string import Template

from klayr_py.cli._common import DEFAULT_CONFIG
from klayr_py.node import ConfigError
from klayr_py.plugins.manifest import is_plugin_name, rpc_namespace

__all__ = ["add_plugin"]

_MANIFEST = '''# The $name plugin: runs in its own process with exactly these capabilities.
name = "$name"
version = "0.1.0"
entry_point = "$package.plugin:${Class}Plugin"
description = "What $name does."
capabilities = ["subscribe_events", "plugin_storage", "register_rpc_endpoint"]

[config_schema]
type = "object"
additionalProperties = false
'''

_PLUGIN = '''"""The $name plugin: keeps the last block height, served as ${namespace}_getStatus."""

from __future__ import annotations

from typing import Any

from klayr_py.plugins import BasePlugin, endpoint


class ${Class}Plugin(BasePlugin):
    """Subscribes to node events in ``load``; its ``@endpoint`` methods are RPC endpoints."""

    async def load(self) -> None:
        await self.subscribe("chain_newBlock", self.on_block)

    async def on_block(self, payload: dict[str, Any]) -> None:
        await self.node.storage.set("lastHeight", str(payload["blockHeader"]["height"]))

    @endpoint
    async def get_status(self, params: dict[str, Any]) -> dict[str, Any]:
        """Served as ``${namespace}_getStatus``: the last block height this plugin saw."""
        height = await self.node.storage.get("lastHeight")
        return {"lastHeight": int(height) if height is not None else None}
'''


def add_plugin(root: Path, name: str) -> list[Path]:
    """Write plugin ``name`` under ``root/plugins/`` and make the project's config load it."""
    if not is_plugin_name(name):
        raise ConfigError(
            f"{name!r} is not a plugin name: lowercase letters and digits, words joined by - or _"
        )
    folder = root / "plugins" / name
    if folder.exists():
        raise ConfigError(f"plugin {name} exists already ({folder})")
    package = re.sub(r"-", "_", name)
    values = {
        "name": name,
        "package": package,
        "namespace": rpc_namespace(name),
        "Class": "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_]", name)),
    }
    files = {
        folder / "plugin.toml": _MANIFEST,
        folder / package / "__init__.py": '"""The $name plugin."""\n',
        folder / package / "plugin.py": _PLUGIN,
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(text).substitute(values), encoding="utf-8")
    _enable(root / DEFAULT_CONFIG, name)
    return list(files)


def _enable(config_file: Path, name: str) -> None:
    """``plugins.directory`` (relative to config/) and, if the config lists them, ``enabled``."""
    if not config_file.is_file():
        return
    config = json.loads(config_file.read_text(encoding="utf-8"))
    plugins = config.setdefault("plugins", {})
    plugins.setdefault("directory", "../plugins")
    if isinstance(plugins.get("enabled"), list) and name not in plugins["enabled"]:
        plugins["enabled"].append(name)
    config_file.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
