"""The Hello module of Klayr's docs, in Python: say hello on chain, count the hellos."""

from hello.module import HelloModule

__all__ = ["HelloModule"]
