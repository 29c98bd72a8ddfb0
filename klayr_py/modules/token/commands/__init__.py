"""The token module's commands."""

from klayr_py.modules.token.commands.transfer import TransferCommand

__all__ = ["TransferCommand"]
