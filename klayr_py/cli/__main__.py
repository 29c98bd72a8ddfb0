"""``python -m klayr_py.cli``: the same as the ``klayr-py`` console script."""

from klayr_py.cli import main

main()
