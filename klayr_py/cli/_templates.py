# ruff: noqa: E501  (templates: generated lines are as long as they need to be)
"""The files ``klayr-py init`` and ``klayr-py generate`` write (``string.Template``: ``$name``).

Generated code marks where ``generate`` adds lines: ``# klayr-py generate: ... above this line``.
"""

from __future__ import annotations

__all__ = [
    "APP",
    "COMMAND",
    "COMMAND_IMPORT_MARKER",
    "COMMAND_MARKER",
    "CONFTEST",
    "EVENT",
    "GITIGNORE",
    "MODULES_INIT",
    "MODULE_FILES",
    "MODULE_IMPORT_MARKER",
    "MODULE_MARKER",
    "PROJECT_TEST",
    "README",
    "SAMPLE_MODULE_FILES",
    "STATE_MARKER",
    "STORE",
]

MODULE_IMPORT_MARKER = "# klayr-py generate: module imports above this line"
MODULE_MARKER = "# klayr-py generate: modules above this line"
COMMAND_IMPORT_MARKER = "# klayr-py generate: command imports above this line"
COMMAND_MARKER = "# klayr-py generate: commands above this line"
STATE_MARKER = "# klayr-py generate: stores and events above this line"

APP = '''"""The $project application: Klayr's default modules and this project's own.

``klayr-py start`` calls ``create_app(config, config_dir)`` to build the node.
"""

from __future__ import annotations

from pathlib import Path

from klayr_py import Application, ApplicationConfig

from $pkg.modules import registered_modules


def create_app(config: ApplicationConfig, config_dir: Path) -> Application:
    """The default modules (auth, validators, token, fee), then this project's modules."""
    app, methods = Application.default_application(config, config_dir=config_dir)
    for module in registered_modules(methods):
        app.register_module(module)
    return app
'''

MODULES_INIT = '''"""This project's modules, registered after the default ones in this order."""

from __future__ import annotations

from klayr_py import BaseModule, DefaultMethods

$MODULE_IMPORT_MARKER


def registered_modules(methods: DefaultMethods) -> list[BaseModule]:
    """New instances of this project's modules (``methods``: the default modules' methods, for
    modules that call them)."""
    return [
        $MODULE_MARKER
    ]
'''

MODULE_FILES = {
    "__init__.py": '''"""The $name module."""

from $pkg.modules.$snake.module import ${Class}Module

__all__ = ["${Class}Module"]
''',
    "module.py": '''"""The $name module: registers its commands, stores, events, endpoint and method."""

from __future__ import annotations

from typing import Any

from klayr_py import BaseCommand, BaseModule

from $pkg.modules.$snake.endpoint import ${Class}Endpoint
from $pkg.modules.$snake.method import ${Class}Method

$COMMAND_IMPORT_MARKER


class ${Class}Module(BaseModule):
    """``$name``."""

    name = "$name"

    def __init__(self) -> None:
        super().__init__()
        # Stores and events (klayr-py generate store / event adds them), e.g.
        # self.stores.register(MyStore, MyStore(self.name, 0))
        $STATE_MARKER
        self.endpoint = ${Class}Endpoint(self.stores, self.offchain_stores)
        self.method = ${Class}Method(self.stores, self.events)
        self.commands: list[BaseCommand[Any]] = [
            $COMMAND_MARKER
        ]
        self.config: dict[str, Any] = {}

    def init(self, module_config: dict[str, Any], genesis_config: Any) -> None:
        """Keep ``modules.$name`` of config.json."""
        self.config = dict(module_config)
''',
    "endpoint.py": '''"""Read-only queries of the $name module, served as ``${name}_<camelCaseName>``."""

from __future__ import annotations

from klayr_py import BaseEndpoint


class ${Class}Endpoint(BaseEndpoint):
    """Each public method ``def get_thing(self, ctx: EndpointContext)`` is an endpoint."""
''',
    "method.py": '''"""What other modules may call on the $name module."""

from __future__ import annotations

from klayr_py import BaseMethod


class ${Class}Method(BaseMethod):
    """Methods of the $name module."""
''',
    "schemas.py": '''"""The $name module's value types (KlayrModel) and JSON schemas."""

from __future__ import annotations
''',
    "commands/__init__.py": '"""The $name module\'s commands, one file each."""\n',
    "stores/__init__.py": '"""The $name module\'s stores, one file each."""\n',
    "events/__init__.py": '"""The $name module\'s events, one file each."""\n',
}

COMMAND = '''"""``$module:$name``."""

from __future__ import annotations

from klayr_py import (
    BaseCommand,
    CommandExecuteContext,
    CommandVerifyContext,
    KlayrModel,
    VerificationResult,
)


class ${Class}Params(KlayrModel):
    """The params of ``$module:$name``: add fields (``message: str``, ``amount: UInt64`` ...)."""


class ${Class}Command(BaseCommand[${Class}Params]):
    """``$name``: verify against the read-only state, then execute."""

    name = "$name"

    def verify(self, ctx: CommandVerifyContext[${Class}Params]) -> VerificationResult:
        """Refuse the transaction here (read-only stores); OK by default."""
        return VerificationResult.ok()

    def execute(self, ctx: CommandExecuteContext[${Class}Params]) -> None:
        """Change the state: ``self.stores.get(MyStore).set(ctx, key, value)``."""
'''

STORE = '''"""The ``$name`` store of the $module module."""

from __future__ import annotations

from klayr_py import BaseStore, KlayrModel


class ${Class}Data(KlayrModel):
    """One entry of the ``$name`` store: add fields (``owner: bytes``, ``amount: UInt64`` ...)."""


class ${Class}Store(BaseStore[${Class}Data]):
    """``$name`` store: ``self.stores.get(${Class}Store).get(ctx, key)`` / ``.set(ctx, key, value)``;
    the keys are yours to choose (an address, an ID ...)."""
'''

EVENT = '''"""The ``$name`` event of the $module module."""

from __future__ import annotations

from klayr_py import BaseEvent, KlayrModel


class ${Class}Data(KlayrModel):
    """The data of a ``$name`` event: add fields (``sender_address: bytes`` ...)."""


class ${Class}Event(BaseEvent[${Class}Data]):
    """``$name`` event: ``self.events.get(${Class}Event).add(ctx, data, topics)`` in a command."""
'''

# The sample module of ``init``: Klayr's Hello module, smaller.
SAMPLE_MODULE_FILES = {
    **MODULE_FILES,
    "module.py": '''"""The $name module: registers its commands, stores, events, endpoint and method."""

from __future__ import annotations

from typing import Any

from klayr_py import BaseCommand, BaseModule

from $pkg.modules.$snake.commands.create_hello import CreateHelloCommand
from $pkg.modules.$snake.endpoint import ${Class}Endpoint
from $pkg.modules.$snake.events.new_hello import NewHelloEvent
from $pkg.modules.$snake.method import ${Class}Method
from $pkg.modules.$snake.stores.message import MessageStore

$COMMAND_IMPORT_MARKER


class ${Class}Module(BaseModule):
    """``$name``: say hello on chain (one command, one store, one event, one endpoint)."""

    name = "$name"

    def __init__(self) -> None:
        super().__init__()
        self.stores.register(MessageStore, MessageStore(self.name, 0))
        self.events.register(NewHelloEvent, NewHelloEvent(self.name))
        $STATE_MARKER
        self.endpoint = ${Class}Endpoint(self.stores, self.offchain_stores)
        self.method = ${Class}Method(self.stores, self.events)
        self.commands: list[BaseCommand[Any]] = [
            CreateHelloCommand(self.stores, self.events),
            $COMMAND_MARKER
        ]
        self.config: dict[str, Any] = {}

    def init(self, module_config: dict[str, Any], genesis_config: Any) -> None:
        """Keep ``modules.$name`` of config.json."""
        self.config = dict(module_config)
''',
    "schemas.py": '''"""The $name module's value types; their Klayr schemas derive from them."""

from __future__ import annotations

from klayr_py import Field, KlayrModel


class CreateHelloParams(KlayrModel):
    """Params of ``$name:createHello``."""

    message: str = Field(min_length=1, max_length=256)


class MessageData(KlayrModel):
    """The latest hello of one account."""

    message: str


class NewHelloData(KlayrModel):
    """The ``newHello`` event: who said hello, and what."""

    sender_address: bytes
    message: str
''',
    "endpoint.py": '''"""Read-only queries of the $name module, served as ``${name}_<camelCaseName>``."""

from __future__ import annotations

from typing import Any

from klayr_py import BaseEndpoint, EndpointContext, NotFoundError
from klayr_py.crypto import get_address_from_klayr32_address

from $pkg.modules.$snake.stores.message import MessageStore


class ${Class}Endpoint(BaseEndpoint):
    """``${name}_getHello``."""

    def get_hello(self, ctx: EndpointContext) -> dict[str, Any]:
        """The latest hello of ``params.address`` (kly...): ``{"message": ...}``."""
        address = get_address_from_klayr32_address(ctx.params["address"])
        store = self.stores.get(MessageStore)
        if not store.has(ctx, address):  # say it in the module's words, not the store's
            raise NotFoundError(f"{ctx.params['address']} has not said hello yet")
        return store.get(ctx, address).model_dump(by_alias=True)
''',
    "stores/message.py": '''"""Each account's latest hello, keyed by the sender's address."""

from __future__ import annotations

from klayr_py import BaseStore

from $pkg.modules.$snake.schemas import MessageData


class MessageStore(BaseStore[MessageData]):
    """``message`` store."""
''',
    "events/new_hello.py": '''"""Emitted for every hello, with the sender's address as a topic."""

from __future__ import annotations

from klayr_py import BaseEvent

from $pkg.modules.$snake.schemas import NewHelloData


class NewHelloEvent(BaseEvent[NewHelloData]):
    """``newHello`` event."""
''',
    "commands/create_hello.py": '''"""``$name:createHello``: store the sender's message and emit ``newHello``."""

from __future__ import annotations

from klayr_py import BaseCommand, CommandExecuteContext

from $pkg.modules.$snake.events.new_hello import NewHelloEvent
from $pkg.modules.$snake.schemas import CreateHelloParams, MessageData, NewHelloData
from $pkg.modules.$snake.stores.message import MessageStore


class CreateHelloCommand(BaseCommand[CreateHelloParams]):
    """Say hello."""

    def execute(self, ctx: CommandExecuteContext[CreateHelloParams]) -> None:
        """Store the message under the sender's address and emit newHello."""
        sender = ctx.transaction.sender_address
        message = ctx.params.message
        self.stores.get(MessageStore).set(ctx, sender, MessageData(message=message))
        self.events.get(NewHelloEvent).add(
            ctx, NewHelloData(sender_address=sender, message=message), [sender]
        )
''',
}

CONFTEST = '''"""Makes this project's packages importable in its tests."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
'''

PROJECT_TEST = '''"""The application starts on its dev genesis block, forges, and runs a hello transaction."""

from __future__ import annotations

from pathlib import Path

from klayr_py import codec
from klayr_py.chain import Transaction
from klayr_py.node import load_config
from klayr_py.node.dev import dev_accounts

from app import create_app

CONFIG = Path(__file__).resolve().parents[1] / "config" / "config.json"


def test_the_chain_runs_a_hello(tmp_path: Path) -> None:
    config = load_config(CONFIG).with_overrides(system={"dataPath": str(tmp_path)})
    app = create_app(config, CONFIG.parent)
    engine = app.start()
    try:
        account = dev_accounts(1)[0]  # funded in the dev genesis block
        schema = app.state_machine.get_command("hello", "createHello").schema
        transaction = Transaction(
            module="hello",
            command="createHello",
            nonce=0,
            fee=10_000_000,
            sender_public_key=account.public_key,
            params=codec.encode(schema, {"message": "hello world"}),
        ).sign(engine.chain_id, account.private_key)
        assert engine.add_transaction(transaction).accepted
        block_time = config.genesis.block_time
        block = app.forge(engine.last_block.header.timestamp + block_time)
        assert block is not None and len(block.transactions) == 1
        answer = engine.call_endpoint("hello_getHello", {"address": account.klayr32_address})
        assert answer == {"message": "hello world"}
    finally:
        app.close()
'''

README = """# $project

A blockchain application built with klayr_py (Klayr SDK v6 in Python).

```console
$$ klayr-py start                      # runs ./app.py with ./config/config.json
$$ klayr-py endpoint invoke system_getNodeInfo
$$ klayr-py transaction create hello createHello '{"message": "hi"}' \\
      --passphrase "klayr_py dev account 0" --send
$$ klayr-py endpoint invoke hello_getHello '{"address": "<the account address>"}'
$$ python -m pytest tests
```

- `app.py`: `create_app(config, config_dir)`: the default modules plus `$pkg/modules/`.
- `config/config.json`: the node's configuration (paths relative to `config/`);
  `config/genesis_block.blob` and `config/dev-validators.json` are a dev chain whose accounts use
  the public passphrases `klayr_py dev account 0`, `1`: never give them anything of value.
- Commands run in this folder find this project's node from `config/config.json` and refuse a
  node that runs another chain (chain ID `$chain_id`, or another genesis block).
- `klayr-py generate module NAME`, `klayr-py generate command MODULE NAME` add code.
- `klayr-py genesis create` makes a new genesis block (delete `data/` afterwards).
"""

GITIGNORE = "data/\n__pycache__/\n.pytest_cache/\n.hypothesis/\n"
