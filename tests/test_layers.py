"""The package's imports follow DESIGN.md's layer order: a package imports only from layers below.

Walks every module's imports (function-local ones too; ``if TYPE_CHECKING:`` blocks excepted, as
they are not dependencies at run time) and fails on one that goes up. Also: nothing below the
node layer on the block path uses sockets, processes or asyncio (the plugin SDK, which runs in a
plugin's own process, excepted).
"""

from __future__ import annotations

import ast
from pathlib import Path

import klayr_py

# Lower rank = lower layer (the more basic); a package may import its own rank or lower.
LAYERS: dict[str, int] = {
    "errors": 0,
    "codec": 1,
    "validator": 1,
    "crypto": 1,
    "tree": 1,
    "_native": 1,
    "_native_loader": 1,
    "db": 2,
    "state": 3,
    "chain": 4,
    "interfaces": 5,
    "contexts": 5,
    "modules": 6,
    "state_machine": 7,
    # What runs inside a plugin process and the contract both sides share (SDK, manifest, IPC
    # protocol): below node, whose plugin host (node/plugin_host) uses the manifest and protocol.
    "plugins": 7,
    "node": 8,
    "api_client": 8,
    "testing": 10,
    "cli": 11,
}
BELOW_NODE = LAYERS["node"]
# The plugin SDK runs in the plugin's own process, an asyncio program of its own.
OWN_PROCESS = {"plugins"}
SYSTEM_MODULES = {"socket", "multiprocessing", "subprocess", "asyncio", "selectors", "signal"}

# Known debts (file, imported module), each to be removed by moving code to its layer.
KNOWN = {
    ("node/application.py", "klayr_py.node.plugin_host.host"),  # the plugin host belongs to node
    ("node/application.py", "klayr_py.node.plugin_host.loading"),
}

PACKAGE = Path(klayr_py.__file__).parent


def _layer_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    head = relative.parts[0]
    return head.removesuffix(".py") if len(relative.parts) == 1 else head


def _imports(tree: ast.Module) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for orelse in child.orelse:
                    visit(orelse)
                continue
            if isinstance(child, ast.Import):
                found.extend((child.lineno, alias.name) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                if child.module == "klayr_py":
                    found.extend((child.lineno, f"klayr_py.{a.name}") for a in child.names)
                else:
                    found.append((child.lineno, child.module))
            visit(child)

    visit(tree)
    return found


def _violations() -> list[str]:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name.endswith("_pb2.py") or (path.name == "__init__.py" and path.parent == PACKAGE):
            continue
        layer = _layer_of(path)
        rank = LAYERS.get(layer)
        assert rank is not None, f"{path}: package {layer!r} has no layer in this test"
        for line, name in _imports(ast.parse(path.read_text(), str(path))):
            where = f"{path.relative_to(PACKAGE)}:{line}"
            if name.startswith("klayr_py."):
                target = name.split(".")[1]
                if LAYERS.get(target, -1) > rank:
                    problems.append(f"{where}: {layer} (layer {rank}) imports {name}")
            elif (
                rank < BELOW_NODE
                and layer not in OWN_PROCESS
                and name.split(".")[0] in SYSTEM_MODULES
            ):
                problems.append(f"{where}: {layer} is below node but imports {name}")
    return problems


def test_imports_follow_the_layer_order() -> None:
    assert _violations() == []


def test_every_package_has_a_layer() -> None:
    packages = {_layer_of(path) for path in PACKAGE.rglob("*.py")} - {"__init__"}
    assert packages <= set(LAYERS), packages - set(LAYERS)
