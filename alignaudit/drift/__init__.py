"""How far the user's data is from the model's pre-training domain: reading documents (any format,
text and date columns), sentence embeddings, two-sample tests and effect sizes, the model's own
view of the data (perplexity, fertility, novel terms, by period), the default reference (a mix of
real genres plus the model's samples), the calibration panel that places the alignment figures
and their bands, and the drift section.

May import: alignaudit._util, alignaudit.backends, alignaudit.config.
"""
