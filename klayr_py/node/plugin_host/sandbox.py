"""The OS-level sandbox every plugin process runs in: bubblewrap (``bwrap``).

Capability checks on IPC requests only govern what a plugin asks *the node*; a process can
still open files, sockets and signal other processes by itself. bubblewrap (the sandbox Flatpak
uses, packaged by every distribution) closes those doors with Linux namespaces:

- its own mount namespace built from scratch: the system's ``/usr`` and the Python installation
  read-only, the plugin's code read-only at ``/plugin/code``, its data directory writable at
  ``/plugin/data``, the node's plugin socket at ``/plugin/node.sock``, a small private ``/tmp``,
  and nothing else — the node's data directory (``blockchain.db``, the keys file, ``rpc.sock``)
  does not exist in there, and the root is read-only;
- its own PID namespace: the node's processes cannot be named, so they cannot be signalled;
- its own network namespace (only a loopback of its own) unless the manifest grants
  ``network``;
- its own user namespace, as ``nobody``, with every capability dropped and no further user
  namespaces;
- it dies with the node (``--die-with-parent``) and has no controlling terminal
  (``--new-session``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import klayr_py
from klayr_py.errors import KlayrError

__all__ = [
    "PLUGIN_CODE_DIR",
    "PLUGIN_DATA_DIR",
    "PLUGIN_SOCKET",
    "SANDBOX_MODES",
    "Bubblewrap",
    "SandboxPolicy",
    "SandboxUnavailableError",
]

PLUGIN_CODE_DIR = "/plugin/code"
PLUGIN_DATA_DIR = "/plugin/data"
PLUGIN_SOCKET = "/plugin/node.sock"

SANDBOX_MODES = ("required", "optional", "off")
"""``required``: bubblewrap or no plugins; ``optional``: bubblewrap when it works, otherwise run
plugins unconfined (the operator's explicit opt-out); ``off``: never sandbox."""

_NOBODY = "65534"
_SYSTEM_DIRS = ("bin", "sbin", "lib", "lib32", "lib64")
_ETC_FILES = (
    "/etc/ssl",
    "/etc/ca-certificates",
    "/etc/resolv.conf",
    "/etc/hosts",
    "/etc/nsswitch.conf",
    "/etc/localtime",
    "/etc/ld.so.cache",
    "/etc/passwd",
    "/etc/group",
)
_PASSED_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "PYTHONPATH")
"""Environment variables a sandboxed plugin inherits; the node's others (which may carry
secrets) stay out."""


class SandboxUnavailableError(KlayrError):
    """bubblewrap is missing or cannot create namespaces here."""


@dataclass(frozen=True)
class SandboxPolicy:
    """What one plugin process may see and do inside its sandbox."""

    plugin_dir: Path
    """Mounted read-only at :data:`PLUGIN_CODE_DIR`."""
    data_dir: Path
    """Mounted writable at :data:`PLUGIN_DATA_DIR`."""
    socket_path: Path
    """The node's plugin socket, mounted at :data:`PLUGIN_SOCKET`."""
    network: bool = False
    tmp_bytes: int = 16 << 20
    """Size of the private ``/tmp`` (memory-backed, so bounded)."""


class Bubblewrap:
    """Builds ``bwrap`` command lines; :meth:`find` checks it works on this machine."""

    def __init__(
        self, executable: str, *, disable_userns: bool = True, tmpfs_size: bool = True
    ) -> None:
        self.executable = executable
        self.disable_userns = disable_userns
        """``--disable-userns`` (bubblewrap 0.8+): no user namespaces inside the sandbox."""
        self.tmpfs_size = tmpfs_size
        """``--size`` (bubblewrap 0.7+): the private ``/tmp`` is bounded."""

    @classmethod
    def find(cls) -> Bubblewrap:
        """The working bubblewrap; :class:`SandboxUnavailableError` says why there is none."""
        executable = shutil.which("bwrap")
        if executable is None:
            raise SandboxUnavailableError(
                "bubblewrap (bwrap) is not installed; on Debian/Ubuntu: apt-get install bubblewrap"
            )
        try:
            usage = subprocess.run(
                [executable, "--help"], capture_output=True, text=True, timeout=20, check=False
            ).stdout
        except (OSError, subprocess.TimeoutExpired) as error:
            raise SandboxUnavailableError(f"bubblewrap could not run: {error}") from None
        # Older bubblewraps (Ubuntu 22.04 has 0.6) lack these; the rest of the sandbox stands.
        sandbox = cls(
            executable,
            disable_userns="--disable-userns" in usage,
            tmpfs_size="--size" in usage,
        )
        # The probe is a plugin's sandbox in all but its command, so that whatever would stop
        # a plugin from starting (namespaces, a mount, an option) shows here, at start.
        with tempfile.TemporaryDirectory(prefix="klayr-sandbox-probe-") as scratch:
            root = Path(scratch)
            (root / "code").mkdir()
            (root / "data").mkdir()
            (root / "node.sock").touch()
            probe = sandbox.wrap(
                ["true"], SandboxPolicy(root / "code", root / "data", root / "node.sock")
            )
            try:
                completed = subprocess.run(
                    probe, capture_output=True, text=True, timeout=20, check=False
                )
            except (OSError, subprocess.TimeoutExpired) as error:
                raise SandboxUnavailableError(f"bubblewrap could not run: {error}") from None
        if completed.returncode != 0:
            reason = completed.stderr.strip() or f"exit code {completed.returncode}"
            raise SandboxUnavailableError(
                f"bubblewrap cannot create the plugin sandbox here ({reason}); user namespaces "
                "may be disabled (kernel.unprivileged_userns_clone, or a container without them)"
            )
        return sandbox

    def wrap(self, command: Sequence[str], policy: SandboxPolicy) -> list[str]:
        """``command`` (whose paths are the sandbox's) run inside ``policy``'s sandbox."""
        return [
            self.executable,
            *self._namespace_options(network=policy.network, disable_userns=self.disable_userns),
            # The private /tmp first: a later mount of it would hide a Python installed under /tmp.
            *(("--size", str(policy.tmp_bytes)) if self.tmpfs_size else ()),
            *("--tmpfs", "/tmp"),
            *self._system_mounts(),
            *("--ro-bind", str(policy.plugin_dir.resolve()), PLUGIN_CODE_DIR),
            *("--bind", str(policy.data_dir.resolve()), PLUGIN_DATA_DIR),
            *("--bind", str(policy.socket_path), PLUGIN_SOCKET),
            *("--remount-ro", "/"),
            *("--chdir", PLUGIN_DATA_DIR),
            "--",
            *command,
        ]

    @staticmethod
    def environment(extra: dict[str, str]) -> dict[str, str]:
        """The sandboxed process's environment: a few harmless variables and ``extra``."""
        passed = {name: os.environ[name] for name in _PASSED_ENVIRONMENT if name in os.environ}
        return {**passed, "HOME": PLUGIN_DATA_DIR, "PYTHONDONTWRITEBYTECODE": "1", **extra}

    @staticmethod
    def _namespace_options(*, network: bool, disable_userns: bool) -> list[str]:
        options = ["--unshare-all", "--unshare-user", "--uid", _NOBODY, "--gid", _NOBODY]
        if network:
            options.append("--share-net")
        if disable_userns:
            options.append("--disable-userns")
        return [*options, *("--cap-drop", "ALL"), "--die-with-parent", "--new-session"]

    @staticmethod
    def _system_mounts() -> list[str]:
        """Read-only: the system, the Python running the node, and klayr_py itself."""
        mounts = ["--ro-bind", "/usr", "/usr"]
        for name in _SYSTEM_DIRS:
            path = Path("/") / name
            if path.is_symlink():
                mounts += ["--symlink", os.readlink(path), str(path)]
            elif path.is_dir():
                mounts += ["--ro-bind", str(path), str(path)]
        for etc in _ETC_FILES:
            mounts += ["--ro-bind-try", etc, etc]
        for folder in _python_dirs():
            mounts += ["--ro-bind", str(folder), str(folder)]
        return [*mounts, "--proc", "/proc", "--dev", "/dev"]


def _python_dirs() -> list[Path]:
    """The interpreter's prefixes and the klayr_py package, outermost first, without ones
    already inside another (or inside ``/usr``)."""
    candidates = {
        Path(sys.base_prefix).resolve(),
        Path(sys.prefix).resolve(),
        Path(sys.exec_prefix).resolve(),
        Path(klayr_py.__file__).resolve().parent,
    }
    kept: list[Path] = []
    for path in sorted(candidates, key=lambda p: len(p.parts)):
        if path == Path("/usr") or Path("/usr") in path.parents:
            continue
        if any(parent == path or parent in path.parents for parent in kept):
            continue
        kept.append(path)
    return kept
