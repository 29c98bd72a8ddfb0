"""Klayr's default modules (auth, validators, token, fee), wired to each other as Klayr wires them.

One place builds them so the application and the testing toolkit cannot drift apart: Klayr's
``Application.defaultApplication`` gives the fee module the token method (fees are locked, burnt
and paid through it) *and* the token module the fee method (creating an account charges
``userAccountInitializationFee`` out of the running transaction's fee).
"""

from __future__ import annotations

from dataclasses import dataclass

from klayr_py.modules import BaseModule
from klayr_py.modules.auth import AuthMethod, AuthModule
from klayr_py.modules.fee import FeeMethod, FeeModule
from klayr_py.modules.token import TokenMethod, TokenModule
from klayr_py.modules.validators import ValidatorsMethod, ValidatorsModule

__all__ = ["DefaultMethods", "create_default_modules"]


@dataclass(frozen=True)
class DefaultMethods:
    """The default modules' methods, for modules that depend on them (``add_dependencies``)."""

    auth: AuthMethod
    validators: ValidatorsMethod
    token: TokenMethod
    fee: FeeMethod


def create_default_modules() -> tuple[list[BaseModule], DefaultMethods]:
    """New auth, validators, token and fee modules, wired, in Klayr's registration order."""
    auth, validators, token, fee = AuthModule(), ValidatorsModule(), TokenModule(), FeeModule()
    fee.add_dependencies(token.method)
    token.add_dependencies(fee.method)
    methods = DefaultMethods(auth.method, validators.method, token.method, fee.method)
    return [auth, validators, token, fee], methods
