"""Rendering saved results: the HTML page (columns, probe lists, drift view), charts, number
formats, the Markdown summary and the terminal summary. Reads only the saved result; imports no
torch.

May import: alignaudit._util, alignaudit.judge, alignaudit.result, alignaudit.recency,
alignaudit.drift, alignaudit.compare, alignaudit.hosting.
"""
