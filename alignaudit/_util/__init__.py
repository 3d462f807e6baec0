"""Small helpers every stage shares: errors a user can fix, the frozen pydantic base, dates and
fractional years, number formats, shipped files and paths.

May import: nothing else of alignaudit.
"""
