"""``python -m alignaudit``: the same as the ``alignaudit`` command."""

from alignaudit.cli.app import main

main()
