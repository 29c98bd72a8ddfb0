"""Node tests run the hello example's module beside the default modules."""

from __future__ import annotations

import sys
from pathlib import Path

_HELLO = Path(__file__).resolve().parents[2] / "examples" / "hello_module"
if str(_HELLO) not in sys.path:
    sys.path.insert(0, str(_HELLO))
