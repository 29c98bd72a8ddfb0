"""Writing files that hold private keys: readable by their owner only.

Klayr's generator keys file carries plain private keys; a world-readable copy (the default
``0644`` of ``Path.write_text`` under the usual umask) hands them to every local user and to any
process a plugin can start. Files are created ``0600`` from their first byte (never widened
afterwards), replaced atomically, and new parent directories are ``0700``.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["SECRET_DIR_MODE", "SECRET_FILE_MODE", "write_secret_file"]

SECRET_FILE_MODE = 0o600
SECRET_DIR_MODE = 0o700


def write_secret_file(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` readable and writable by its owner only; return the path.

    The content goes to a ``0600`` temporary file beside ``path`` that then replaces it, so a
    reader never sees a partial file and an existing world-readable file is not reused.
    Directories created on the way are ``0700``; existing ones are left as they are.
    """
    file = Path(path)
    _make_private_dirs(file.parent)
    temporary = file.with_name(f".{file.name}.{os.getpid()}.tmp")
    descriptor = os.open(
        temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_TRUNC, SECRET_FILE_MODE
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), SECRET_FILE_MODE)  # the umask may have narrowed, not widened
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, file)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
    return file


def _make_private_dirs(directory: Path) -> None:
    missing: list[Path] = []
    current = directory
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=SECRET_DIR_MODE)
        os.chmod(folder, SECRET_DIR_MODE)  # mkdir's mode is masked by the umask
