"""``python -m finbot.cli``: the same as the ``finbot`` command."""

from ._app import main

main()
