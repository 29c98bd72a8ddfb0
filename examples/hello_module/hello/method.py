"""What other modules may call: read an account's hello."""

from __future__ import annotations

from hello.stores.message import MessageStore
from klayr_py import BaseMethod, ImmutableStoreGetter


class HelloMethod(BaseMethod):
    """Methods of the Hello module."""

    def get_hello(self, method_context: ImmutableStoreGetter, address: bytes) -> str:
        """The latest hello message of ``address``; raises NotFoundError if it never said one."""
        return self.stores.get(MessageStore).get(method_context, address).message
