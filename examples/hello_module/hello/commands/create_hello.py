"""``hello:createHello``: store the sender's message, count it, emit ``newHello``."""

from __future__ import annotations

from typing import Any

from hello.events.new_hello import NewHelloEvent
from hello.schemas import CounterData, CreateHelloParams, MessageData, NewHelloData
from hello.stores.counter import CounterStore
from hello.stores.message import MessageStore
from klayr_py import (
    BaseCommand,
    CommandExecuteContext,
    CommandVerifyContext,
    NotFoundError,
    VerificationResult,
    schema_from_model,
)


class CreateHelloCommand(BaseCommand[CreateHelloParams]):
    """Say hello. Verify rejects messages with a blacklisted word; lengths come from config."""

    def init(self, config: dict[str, Any]) -> None:
        """Apply the module config: message length bounds (into the schema) and the blacklist."""
        self._blacklist: list[str] = list(config["blacklist"])
        schema = schema_from_model(CreateHelloParams, "/hello/createHello-params")
        schema["properties"]["message"]["minLength"] = config["minMessageLength"]
        schema["properties"]["message"]["maxLength"] = config["maxMessageLength"]
        self.schema = schema

    def verify(self, ctx: CommandVerifyContext[CreateHelloParams]) -> VerificationResult:
        """Refuse a message containing a blacklisted word."""
        words = ctx.params.message.split(" ")
        found = [word for word in self._blacklist if word in words]
        if found:
            return VerificationResult.fail(f"Illegal word in hello message: {','.join(found)}")
        return VerificationResult.ok()

    def execute(self, ctx: CommandExecuteContext[CreateHelloParams]) -> None:
        """Store the message under the sender's address, bump the counter, emit newHello."""
        sender = ctx.transaction.sender_address
        self.stores.get(MessageStore).set(ctx, sender, MessageData(message=ctx.params.message))
        counter_store = self.stores.get(CounterStore)
        try:
            count = counter_store.get_value(ctx).counter
        except NotFoundError:
            count = 0
        counter_store.set_value(ctx, CounterData(counter=count + 1))
        self.events.get(NewHelloEvent).add(
            ctx, NewHelloData(sender_address=sender, message=ctx.params.message), [sender]
        )
