"""``klayr-py init`` and ``klayr-py generate``: a new project, new modules, new commands."""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from string import Template
from typing import Any

import click

from klayr_py.cli import _templates as templates
from klayr_py.cli._common import echo_json, load_app
from klayr_py.cli._genesis import create_dev_chain
from klayr_py.cli._plugin_scaffold import add_plugin
from klayr_py.node import ConfigError, load_config

__all__ = ["generate", "init"]

PROJECT_FILE = ".klayr_py.json"
"""Marks a project's root; says which package holds its modules."""

_NAME = re.compile(r"^[a-z][a-zA-Z0-9]*$")
_MARKERS = {
    "MODULE_IMPORT_MARKER": templates.MODULE_IMPORT_MARKER,
    "MODULE_MARKER": templates.MODULE_MARKER,
    "COMMAND_IMPORT_MARKER": templates.COMMAND_IMPORT_MARKER,
    "COMMAND_MARKER": templates.COMMAND_MARKER,
    "STATE_MARKER": templates.STATE_MARKER,
}


def klayr_name(text: str, what: str) -> str:
    """A Klayr module or command name (lowerCamelCase letters and digits) from ``text``."""
    parts = [part for part in re.split(r"[_\-\s]+", text.strip()) if part]
    name = (parts[0][:1].lower() + parts[0][1:] if parts else "") + "".join(
        part[:1].upper() + part[1:] for part in parts[1:]
    )
    if not _NAME.match(name) or len(name) > 32:
        raise click.BadParameter(
            f"{text!r}: a {what} name is letters and digits (camelCase, at most 32), "
            "starting with a letter",
            param_hint=what.upper(),
        )
    return name


def snake(name: str) -> str:
    """``createHello`` -> ``create_hello``."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _render(text: str, **values: str) -> str:
    return Template(text).substitute(**_MARKERS, **values)


def _write(root: Path, files: dict[str, str], values: dict[str, str]) -> list[Path]:
    written = []
    for relative, text in files.items():
        path = root / relative
        if path.exists():
            raise ConfigError(f"{path} already exists; not overwriting it")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_render(text, **values), encoding="utf-8")
        written.append(path)
    return written


def _insert_above(file: Path, marker: str, line: str) -> None:
    """Put ``line`` above ``marker`` in ``file``, indented like the marker."""
    text = file.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    for index, current in enumerate(lines):
        if current.strip() == marker:
            indent = current[: len(current) - len(current.lstrip())]
            lines.insert(index, f"{indent}{line}\n")
            file.write_text("".join(lines), encoding="utf-8")
            return
    raise ConfigError(f"{file}: the line '{marker}' is missing; add the code by hand")


def _package_name(text: str) -> str:
    name = re.sub(r"[^0-9a-zA-Z_]", "_", text).strip("_").lower() or "app"
    return f"app_{name}" if name[0].isdigit() else name


def _find_project(start: Path) -> tuple[Path, str]:
    for folder in (start, *start.parents):
        marker = folder / PROJECT_FILE
        if marker.is_file():
            try:
                package = json.loads(marker.read_text(encoding="utf-8"))["package"]
            except (ValueError, KeyError, TypeError):
                raise ConfigError(f'{marker}: expected {{"package": NAME}}') from None
            return folder, str(package)
    raise ConfigError(
        f"not inside a klayr-py project (no {PROJECT_FILE} here or above {start}); "
        "run klayr-py init first, or pass --project"
    )


def _module_values(package: str, name: str) -> dict[str, str]:
    return {
        "pkg": package,
        "name": name,
        "snake": snake(name),
        "Class": name[:1].upper() + name[1:],
    }


def add_module(root: Path, package: str, name: str, files: dict[str, str]) -> list[Path]:
    """Write module ``name`` under ``<package>/modules/`` and register it."""
    values = _module_values(package, name)
    folder = root / package / "modules" / values["snake"]
    if folder.exists():
        raise ConfigError(f"module {name} exists already ({folder})")
    written = _write(folder, files, values)
    registry = root / package / "modules" / "__init__.py"
    _insert_above(
        registry,
        templates.MODULE_IMPORT_MARKER,
        f"from {package}.modules.{values['snake']} import {values['Class']}Module",
    )
    _insert_above(registry, templates.MODULE_MARKER, f"{values['Class']}Module(),")
    return written


def add_command(root: Path, package: str, module: str, name: str) -> Path:
    """Write command ``name`` of ``module`` and add it to the module's command list."""
    values = _module_values(package, module)
    folder = root / package / "modules" / values["snake"]
    module_file = folder / "module.py"
    if not module_file.is_file():
        raise ConfigError(f"no module {module} in {root / package / 'modules'}")
    command_class = name[:1].upper() + name[1:]
    path = folder / "commands" / f"{snake(name)}.py"
    _write(
        folder / "commands",
        {path.name: templates.COMMAND},
        {"module": module, "name": name, "Class": command_class},
    )
    _insert_above(
        module_file,
        templates.COMMAND_IMPORT_MARKER,
        f"from {package}.modules.{values['snake']}.commands.{snake(name)} import "
        f"{command_class}Command",
    )
    _insert_above(
        module_file, templates.COMMAND_MARKER, f"{command_class}Command(self.stores, self.events),"
    )
    return path


def add_state(root: Path, package: str, module: str, name: str, kind: str) -> Path:
    """Write store or event (``kind``) ``name`` of ``module`` and register it in the module.

    A store takes the next free index of the module (the count of stores registered so far).
    """
    values = _module_values(package, module)
    folder = root / package / "modules" / values["snake"]
    module_file = folder / "module.py"
    if not module_file.is_file():
        raise ConfigError(f"no module {module} in {root / package / 'modules'}")
    if templates.STATE_MARKER not in module_file.read_text(encoding="utf-8"):
        raise ConfigError(
            f"{module_file}: the line '{templates.STATE_MARKER}' is missing (a module made by "
            "an older klayr-py): add it in __init__ where stores and events are registered"
        )
    class_name = name[:1].upper() + name[1:]
    suffix, registry = ("Store", "stores") if kind == "store" else ("Event", "events")
    template = templates.STORE if kind == "store" else templates.EVENT
    path = folder / registry / f"{snake(name)}.py"
    _write(
        folder / registry,
        {path.name: template},
        {"module": module, "name": name, "Class": class_name},
    )
    if kind == "store":
        lines = module_file.read_text(encoding="utf-8").splitlines()
        index = sum(line.strip().startswith("self.stores.register(") for line in lines)
        instance = f"{class_name}Store(self.name, {index})"
    else:
        instance = f"{class_name}Event(self.name)"
    _insert_above(
        module_file,
        templates.COMMAND_IMPORT_MARKER,
        f"from {package}.modules.{values['snake']}.{registry}.{snake(name)} import "
        f"{class_name}{suffix}",
    )
    _insert_above(
        module_file,
        templates.STATE_MARKER,
        f"self.{registry}.register({class_name}{suffix}, {instance})",
    )
    return path


def new_dev_chain_id() -> str:
    """A fresh dev chain ID: Klayr's dev network byte (04), then 3 random bytes.

    Random (not derived from the name) so that two projects of the same name differ too; never
    04000000, the chain ID of the hello example and of ``--dev``.
    """
    while True:
        local = secrets.token_bytes(3)
        if local != bytes(3):
            return (b"\x04" + local).hex()


def _config(block_time: int, chain_id: str, port: int) -> dict[str, Any]:
    return {
        "system": {"dataPath": "../data", "logLevel": "info", "keepEventsForHeights": 300},
        "rpc": {"modes": ["ipc", "ws"], "host": "127.0.0.1", "port": port},
        "genesis": {
            "block": {"fromFile": "./genesis_block.blob"},
            "blockTime": block_time,
            "chainID": chain_id,
            "maxTransactionsSize": 15360,
            "minFeePerByte": 1000,
        },
        "generator": {"keys": {"fromFile": "./dev-validators.json"}},
        "transactionPool": {"maxTransactions": 4096, "maxTransactionsPerAccount": 64},
        "modules": {},
        "plugins": {},
    }


@click.command()
@click.argument("path", type=click.Path(file_okay=False))
@click.option("--name", help="The project's Python package [default: from PATH].")
@click.option(
    "--chain-id",
    metavar="HEX",
    help="4 bytes, hex [default: 04 (Klayr's dev network byte) and 3 random bytes, so that "
    "no two projects share a chain ID].",
)
@click.option("--block-time", default=10, show_default=True, type=click.IntRange(min=1))
@click.option("--port", default=7887, show_default=True, type=click.IntRange(1, 65535))
@click.option("--accounts", default=2, show_default=True, help="Funded dev accounts.")
def init(
    path: str, name: str | None, chain_id: str | None, block_time: int, port: int, accounts: int
) -> None:
    """Create a new application project.

    PATH is an empty or new folder.

    It holds app.py (create_app), a sample "hello" module, config/config.json, a dev genesis
    block and validator keys, a README and a test.

    \b
    klayr-py init my_chain && cd my_chain && klayr-py start
    """
    root = Path(path)
    if root.exists() and any(root.iterdir()):
        raise ConfigError(f"{root} is not empty")
    if chain_id is None:
        chain_id = new_dev_chain_id()
    package = _package_name(name or root.resolve().name)
    values = {"pkg": package, "project": root.resolve().name, "chain_id": chain_id}
    root.mkdir(parents=True, exist_ok=True)
    (root / PROJECT_FILE).write_text(json.dumps({"package": package}) + "\n", encoding="utf-8")
    _write(
        root,
        {
            "app.py": templates.APP,
            "conftest.py": templates.CONFTEST,
            "README.md": templates.README,
            ".gitignore": templates.GITIGNORE,
            "tests/__init__.py": "",
            "tests/test_app.py": templates.PROJECT_TEST,
            f"{package}/__init__.py": '"""The $project application\'s own code."""\n',
            f"{package}/modules/__init__.py": templates.MODULES_INIT,
        },
        values,
    )
    add_module(root, package, "hello", templates.SAMPLE_MODULE_FILES)
    config_file = root / "config" / "config.json"
    config_file.parent.mkdir(parents=True, exist_ok=True)
    config_file.write_text(
        json.dumps(_config(block_time, chain_id, port), indent=2) + "\n", encoding="utf-8"
    )
    config = load_config(config_file)  # also checks --chain-id
    app = load_app(str(root / "app.py"), config, config_file.parent.resolve())
    block, _, funded = create_dev_chain(
        app,
        genesis_file=config_file.parent / "genesis_block.blob",
        keys_file=config_file.parent / "dev-validators.json",
        accounts=accounts,
    )
    echo_json(
        {
            "project": str(root),
            "package": package,
            "chainID": chain_id,
            "genesisBlockID": block.id.hex(),
            "accounts": [
                {"address": a.klayr32_address, "passphrase": a.passphrase} for a in funded
            ],
            "next": f"cd {root} && klayr-py start",
        }
    )


@click.group()
def generate() -> None:
    """Add a module or a command to a project.

    The project is one "klayr-py init" made (found from the working directory or --project).
    """


_project_option = click.option(
    "--project",
    type=click.Path(file_okay=False, exists=True),
    help="The project's root [default: the folder with .klayr_py.json here or above].",
)


@generate.command("module")
@_project_option
@click.argument("name")
def generate_module(project: str | None, name: str) -> None:
    """Create a module and register it.

    Module NAME (camelCase) goes to <package>/modules/, registered in its __init__.py.

    \b
    klayr-py generate module nft
    """
    module = klayr_name(name, "module")
    root, package = _find_project(Path(project or ".").resolve())
    for path in add_module(root, package, module, templates.MODULE_FILES):
        click.echo(f"created {path.relative_to(root)}")


@generate.command("command")
@_project_option
@click.argument("module")
@click.argument("name")
def generate_command(project: str | None, module: str, name: str) -> None:
    """Create a command of a module.

    Command NAME of MODULE, added to the module's commands.

    \b
    klayr-py generate command nft mintNft
    """
    module_name = klayr_name(module, "module")
    command = klayr_name(name, "command")
    root, package = _find_project(Path(project or ".").resolve())
    path = add_command(root, package, module_name, command)
    click.echo(f"created {path.relative_to(root)}")


@generate.command("store")
@_project_option
@click.argument("module")
@click.argument("name")
def generate_store(project: str | None, module: str, name: str) -> None:
    """Create a store of a module and register it.

    Store NAME (camelCase) of MODULE, with the module's next store index.

    \b
    klayr-py generate store nft ownerOf
    """
    _generate_state(project, module, name, "store")


@generate.command("event")
@_project_option
@click.argument("module")
@click.argument("name")
def generate_event(project: str | None, module: str, name: str) -> None:
    """Create an event of a module and register it.

    Event NAME (camelCase) of MODULE.

    \b
    klayr-py generate event nft nftMinted
    """
    _generate_state(project, module, name, "event")


def _generate_state(project: str | None, module: str, name: str, kind: str) -> None:
    module_name = klayr_name(module, "module")
    entry = klayr_name(name, kind)
    root, package = _find_project(Path(project or ".").resolve())
    path = add_state(root, package, module_name, entry, kind)
    click.echo(f"created {path.relative_to(root)}")


@generate.command("plugin")
@_project_option
@click.argument("name")
def generate_plugin(project: str | None, name: str) -> None:
    """Create a plugin of the project and enable it.

    Plugin NAME (lowercase, words joined by -) goes to plugins/NAME/ (plugin.toml and a
    package), and config/config.json gets plugins.directory. It runs in its own process when
    the node starts.

    \b
    klayr-py generate plugin block-watch
    """
    root, _ = _find_project(Path(project or ".").resolve())
    for path in add_plugin(root, name):
        click.echo(f"created {path.relative_to(root)}")
