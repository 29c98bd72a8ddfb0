"""klayr_py: a Python SDK for Klayr-style application-specific blockchains."""

from klayr_py.errors import CodecError, KlayrError, NotFoundError, ValidationError

__version__ = "0.1.0.dev0"

__all__ = [
    "CodecError",
    "KlayrError",
    "NotFoundError",
    "ValidationError",
    "__version__",
]
