"""The bubblewrap command line of a plugin (no bwrap needed): what is mounted where, which
namespaces, and what stays out."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from klayr_py.plugins.sandbox import (
    PLUGIN_CODE_DIR,
    PLUGIN_DATA_DIR,
    PLUGIN_SOCKET,
    Bubblewrap,
    SandboxPolicy,
    SandboxUnavailableError,
)


def _mounts(command: list[str]) -> dict[str, tuple[str, str]]:
    """Destination -> (option, source) of every bind mount."""
    found = {}
    for index, option in enumerate(command):
        if option in ("--bind", "--ro-bind", "--ro-bind-try"):
            found[command[index + 2]] = (option, command[index + 1])
    return found


def _policy(tmp_path: Path, network: bool = False) -> SandboxPolicy:
    node_data = tmp_path / "node-data"
    (node_data / "plugins" / "p").mkdir(parents=True)
    (tmp_path / "code").mkdir()
    return SandboxPolicy(
        plugin_dir=tmp_path / "code",
        data_dir=node_data / "plugins" / "p",
        socket_path=node_data / "plugins.sock",
        network=network,
    )


def test_only_the_data_dir_is_writable_and_the_node_data_is_not_mounted(tmp_path: Path) -> None:
    policy = _policy(tmp_path)
    command = Bubblewrap("/usr/bin/bwrap").wrap(["python", "-m", "runner"], policy)
    mounts = _mounts(command)
    assert mounts[PLUGIN_DATA_DIR] == ("--bind", str(policy.data_dir.resolve()))
    assert mounts[PLUGIN_CODE_DIR] == ("--ro-bind", str(policy.plugin_dir.resolve()))
    assert mounts[PLUGIN_SOCKET] == ("--bind", str(policy.socket_path))
    writable = {dest for dest, (option, _) in mounts.items() if option == "--bind"}
    assert writable == {PLUGIN_DATA_DIR, PLUGIN_SOCKET}
    node_data = str(tmp_path / "node-data")
    assert not any(source == node_data for _, source in mounts.values())
    assert not any(dest.startswith(node_data) for dest in mounts)
    assert command[command.index("--remount-ro") + 1] == "/"
    assert command[-4:] == ["--", "python", "-m", "runner"]


def test_namespaces_privileges_and_the_network_capability(tmp_path: Path) -> None:
    closed = Bubblewrap("bwrap").wrap(["run"], _policy(tmp_path))
    for option in ("--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
                   "--new-session"):  # fmt: skip
        assert option in closed
    assert closed[closed.index("--cap-drop") + 1] == "ALL"
    assert closed[closed.index("--uid") + 1] == "65534"
    assert "--share-net" not in closed
    opened = Bubblewrap("bwrap").wrap(["run"], _policy(tmp_path / "n", network=True))
    assert "--share-net" in opened


def test_the_environment_keeps_the_nodes_secrets_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VALIDATOR_PASSPHRASE", "secret")
    monkeypatch.setenv("PATH", "/usr/bin")
    environment = Bubblewrap.environment({"PLUGIN_TOKEN": "t"})
    assert "VALIDATOR_PASSPHRASE" not in environment
    assert environment["PATH"] == "/usr/bin" and environment["PLUGIN_TOKEN"] == "t"
    assert environment["HOME"] == PLUGIN_DATA_DIR


def test_a_missing_bwrap_is_reported_with_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert shutil.which("bwrap") is None
    with pytest.raises(SandboxUnavailableError, match="apt-get install bubblewrap"):
        Bubblewrap.find()


def test_a_bwrap_that_cannot_create_namespaces_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SandboxUnavailableError, match="No permissions to create new namespace"):
        Bubblewrap.find()
