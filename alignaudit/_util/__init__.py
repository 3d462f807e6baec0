"""Small helpers every stage shares: errors a user can fix, the frozen pydantic base, dates and
fractional years, number formats, shipped files and paths, the one safe YAML loader, the marks
of files alignaudit writes, and Ctrl-C that cannot be lost.

May import: nothing else of alignaudit.
"""
