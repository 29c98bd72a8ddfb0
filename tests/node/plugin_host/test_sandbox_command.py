"""The bubblewrap command line of a plugin (no bwrap needed): what is mounted where, which
namespaces, and what stays out."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from klayr_py.node.plugin_host.sandbox import (
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


def test_an_older_bwrap_without_disable_userns_still_sandboxes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bubblewrap 0.6 (Ubuntu 22.04) has neither --disable-userns nor --size: they are left
    out, the rest of the sandbox stays."""
    fake = tmp_path / "bin" / "bwrap"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\n[ "$1" = --help ] && echo "usage: bwrap --unshare-all"\nexit 0\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    found = Bubblewrap.find()
    assert not found.disable_userns and not found.tmpfs_size
    command = found.wrap(["run"], _policy(tmp_path))
    assert "--disable-userns" not in command and "--size" not in command
    assert "--unshare-all" in command and command[command.index("--tmpfs") + 1] == "/tmp"


def test_the_installed_bwrap_gets_the_options_its_version_has() -> None:
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed")
    try:
        found = Bubblewrap.find()
    except SandboxUnavailableError as error:
        pytest.skip(str(error))
    version = subprocess.run(
        [found.executable, "--version"], capture_output=True, text=True, check=False
    ).stdout.split()[-1]
    major, minor = (int(part) for part in version.split(".")[:2])
    assert found.disable_userns is ((major, minor) >= (0, 8))
    assert found.tmpfs_size is ((major, minor) >= (0, 7))


def test_a_python_installed_under_tmp_is_still_visible_inside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The private /tmp is mounted before the interpreter's directories, not over them (a venv
    in /tmp, as CI or a user may have, was hidden and every plugin failed to start)."""
    from klayr_py.node.plugin_host import sandbox

    venv = tmp_path / "venv"
    monkeypatch.setattr(sandbox, "_python_dirs", lambda: [venv])
    policy = sandbox.SandboxPolicy(tmp_path / "code", tmp_path / "data", tmp_path / "sock")
    argv = sandbox.Bubblewrap("bwrap").wrap(["python"], policy)
    assert argv.index("--tmpfs") < argv.index(str(venv))
