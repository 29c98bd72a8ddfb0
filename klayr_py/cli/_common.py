"""What every command shares: one-line errors, JSON output, loading the config and the app,
and finding the node to talk to."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from klayr_py.errors import KlayrError
from klayr_py.node import Application, ApplicationConfig, ConfigError, load_config

__all__ = [
    "DEFAULT_CONFIG",
    "KlayrGroup",
    "app_options",
    "echo_json",
    "load_app",
    "parse_json_object",
    "read_config",
]

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_CONFIG = Path("config") / "config.json"


def one_line(message: str) -> str:
    """A (possibly multi-line) message as one line."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return "; ".join(lines) if lines else message


def describe(error: BaseException) -> str:
    """The message a person reads for ``error``."""
    if type(error).__module__.startswith("plyvel"):
        text = str(error)
        if "lock" in text.lower():
            return (
                "the data directory is in use by a running node (its LevelDB is locked); "
                "stop the node first"
            )
        return f"database error: {text}"
    if isinstance(error, KlayrError | OSError):
        text = str(error) or type(error).__name__
        if isinstance(error, OSError) and error.strerror and error.filename:
            text = f"{error.filename}: {error.strerror}"
        return one_line(text)
    return f"unexpected {type(error).__name__}: {one_line(str(error))}"


class KlayrGroup(click.Group):
    """The root group: any error becomes one line on stderr and exit code 1.

    ``KLAYR_PY_DEBUG=1`` shows the traceback instead.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except Exception as error:
            if os.environ.get("KLAYR_PY_DEBUG"):
                raise
            raise click.ClickException(describe(error)) from None


def echo_json(value: Any) -> None:
    """Print JSON for people and for ``jq``."""
    click.echo(json.dumps(value, indent=2))


def parse_json_object(text: str, what: str) -> dict[str, Any]:
    """``text`` as a JSON object; a usage error naming ``what`` otherwise."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise click.BadParameter(
            f"not valid JSON ({error.msg} at column {error.colno}): {text!r}", param_hint=what
        ) from None
    if not isinstance(value, dict):
        raise click.BadParameter(f"must be a JSON object, got {text!r}", param_hint=what)
    return value


# -- config and application --------------------------------------------------------------------


def read_config(path: str | None, *, required: bool) -> tuple[ApplicationConfig, Path]:
    """The config (``--config`` or ./config/config.json) and the folder its paths are relative
    to; the defaults (relative to the working directory) when there is none and it is optional."""
    file = Path(path) if path is not None else DEFAULT_CONFIG
    if file.is_file():
        return load_config(file), file.resolve().parent
    if path is not None or required:
        raise ConfigError(f"no config file at {file} (use --config PATH)")
    return ApplicationConfig(), Path.cwd()


def _load_factory(spec: str) -> Callable[..., Any]:
    """``file.py[:func]`` or ``package.module:func``; ``func`` defaults to ``create_app``."""
    target, _, name = spec.partition(":")
    name = name or "create_app"
    if target.endswith(".py") or Path(target).is_file():
        file = Path(target).resolve()
        if not file.is_file():
            raise ConfigError(f"no application file at {target}")
        folder = str(file.parent)
        if folder not in sys.path:
            sys.path.insert(0, folder)  # the project's own packages import from there
        module_name = f"_klayr_py_app_{abs(hash(str(file)))}"
        loader_spec = importlib.util.spec_from_file_location(module_name, file)
        if loader_spec is None or loader_spec.loader is None:
            raise ConfigError(f"cannot load {target} as Python")
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules[module_name] = module
        try:
            loader_spec.loader.exec_module(module)
        except Exception as error:
            raise ConfigError(f"cannot load the application {target}: {describe(error)}") from None
    else:
        if str(Path.cwd()) not in sys.path:
            sys.path.insert(0, str(Path.cwd()))
        try:
            module = importlib.import_module(target)
        except Exception as error:
            raise ConfigError(
                f"cannot import the application {target}: {describe(error)}"
            ) from None
    factory = getattr(module, name, None)
    if not callable(factory):
        raise ConfigError(f"{target} has no function {name}(config, config_dir)")
    return factory  # type: ignore[no-any-return]


def load_app(spec: str | None, config: ApplicationConfig, config_dir: Path) -> Application:
    """The application of ``--app`` (default ./app.py:create_app, else the default modules)."""
    if spec is None and Path("app.py").is_file():
        spec = "app.py:create_app"
    if spec is None:
        app, _ = Application.default_application(config, config_dir=config_dir)
        return app
    factory = _load_factory(spec)
    try:
        made = factory(config, config_dir)
    except (KlayrError, OSError):
        raise
    except Exception as error:
        raise ConfigError(f"{spec} failed: {describe(error)}") from None
    if isinstance(made, tuple) and made and isinstance(made[0], Application):
        made = made[0]
    if not isinstance(made, Application):
        raise ConfigError(f"{spec} returned {type(made).__name__}, not an Application")
    return made


def app_options(function: F) -> F:
    """``--config`` and ``--app``."""
    function = click.option(
        "--app",
        "app_spec",
        metavar="FILE.py[:FUNC]|MODULE:FUNC",
        help="The application factory create_app(config, config_dir) "
        "[default: ./app.py:create_app if present, else the default modules].",
    )(function)
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        help=f"The node's config.json [default: ./{DEFAULT_CONFIG}].",
    )(function)
