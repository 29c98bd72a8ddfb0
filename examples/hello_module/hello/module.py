"""The Hello module: registers its command, stores, event, endpoint and method."""

from __future__ import annotations

from typing import Any

from hello.commands.create_hello import CreateHelloCommand
from hello.endpoint import HelloEndpoint
from hello.events.new_hello import NewHelloEvent
from hello.method import HelloMethod
from hello.schemas import CONFIG_SCHEMA, DEFAULT_CONFIG
from hello.stores.counter import CounterStore
from hello.stores.message import MessageStore
from klayr_py import BaseModule, validator


class HelloModule(BaseModule):
    """``hello``: one command, two stores, one event, two endpoints, one method."""

    def __init__(self) -> None:
        super().__init__()
        self.stores.register(CounterStore, CounterStore(self.name, 0))
        self.stores.register(MessageStore, MessageStore(self.name, 1))
        self.events.register(NewHelloEvent, NewHelloEvent(self.name))
        self.endpoint = HelloEndpoint(self.stores, self.offchain_stores)
        self.method = HelloMethod(self.stores, self.events)
        self._create_hello = CreateHelloCommand(self.stores, self.events)
        self.commands = [self._create_hello]
        self.config: dict[str, Any] = dict(DEFAULT_CONFIG)

    def init(self, module_config: dict[str, Any], genesis_config: Any) -> None:
        """Merge the user's config over the defaults, validate it, configure the command."""
        config = {**DEFAULT_CONFIG, **module_config}
        validator.validate(CONFIG_SCHEMA, config)
        if config["minMessageLength"] > config["maxMessageLength"]:
            raise ValueError("hello config: minMessageLength is greater than maxMessageLength")
        self.config = config
        self._create_hello.init(config)
