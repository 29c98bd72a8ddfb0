"""``probe``: a test module that calls the token and fee methods as other modules would.

Klayr's modules use ``TokenMethod`` (lock, unlock, burn, mint, transfer) and ``FeeMethod.payFee``
from their commands; the default modules alone never reach most of those paths. The same module
is written for Klayr's side in tests/oracle/klayr_state_machine.js, so both run the same calls.
"""

from __future__ import annotations

from typing import Any, Final

from klayr_py.modules import BaseCommand, BaseModule
from klayr_py.modules.fee import FeeMethod
from klayr_py.modules.token import TokenMethod
from klayr_py.state_machine import CommandExecuteContext

PROBE_PARAMS_SCHEMA: Final[dict[str, Any]] = {
    "$id": "/conformance/probeParams",
    "type": "object",
    "required": ["operation", "tokenID", "amount", "address", "module"],
    "properties": {
        "operation": {"dataType": "string", "fieldNumber": 1},
        "tokenID": {"dataType": "bytes", "fieldNumber": 2},
        "amount": {"dataType": "uint64", "fieldNumber": 3},
        "address": {"dataType": "bytes", "fieldNumber": 4},
        "module": {"dataType": "string", "fieldNumber": 5},
    },
}
OPERATIONS: Final = ("lock", "unlock", "burn", "mint", "transfer", "payFee", "initializeToken")


class ProbeCommand(BaseCommand[dict[str, Any]]):
    """``probe:probe``: one token or fee method call, named by ``operation``, for the sender."""

    schema = PROBE_PARAMS_SCHEMA

    def init(self, token: TokenMethod, fee: FeeMethod) -> None:
        """Receive the methods it calls."""
        self._token, self._fee = token, fee

    def execute(self, ctx: CommandExecuteContext[dict[str, Any]]) -> None:
        """Call the method; whatever it raises fails the transaction, as in Klayr."""
        params, method_context = ctx.params, ctx.get_method_context()
        sender, operation = ctx.transaction.sender_address, params["operation"]
        token_id, amount = params["tokenID"], params["amount"]
        if operation == "lock":
            self._token.lock(method_context, sender, params["module"], token_id, amount)
        elif operation == "unlock":
            self._token.unlock(method_context, sender, params["module"], token_id, amount)
        elif operation == "burn":
            self._token.burn(method_context, sender, token_id, amount)
        elif operation == "mint":
            self._token.mint(method_context, params["address"], token_id, amount)
        elif operation == "transfer":
            self._token.transfer(method_context, sender, params["address"], token_id, amount)
        elif operation == "payFee":
            self._fee.pay_fee(method_context, amount)
        elif operation == "initializeToken":
            self._token.initialize_token(method_context, token_id)
        else:
            raise ValueError(f"unknown probe operation {operation!r}")


class ProbeModule(BaseModule):
    """``probe``: one command, no stores, no events of its own."""

    def __init__(self) -> None:
        super().__init__()
        self.probe_command = ProbeCommand(self.stores, self.events)
        self.commands = [self.probe_command]

    def add_dependencies(self, token: TokenMethod, fee: FeeMethod) -> None:
        """The token and fee methods its command calls."""
        self.probe_command.init(token, fee)
