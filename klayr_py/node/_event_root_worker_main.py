"""The event-root worker's entry point: ``python -m klayr_py.node._event_root_worker_main FD``.

A child interpreter started this way imports only klayr_py, never the user's script:
multiprocessing's ``spawn`` re-imports the parent's ``__main__``, which re-runs a script without an
``if __name__ == "__main__":`` guard (and starts another node inside the worker).
"""

from __future__ import annotations

import sys
from multiprocessing.connection import Connection

from klayr_py.node.event_root_worker import _serve

if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])))
