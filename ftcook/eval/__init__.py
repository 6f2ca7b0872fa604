"""Judging a tuned model: does it write like its source? ``attribution.py`` (a classifier of the writer against
other writing), ``profile.py`` (stylometric measures), ``style.py`` (``ftcook eval style``: both, with held-out
loss, for the base model zero-shot and few-shot and the tuned model), ``blind.py`` (``ftcook eval blind``)."""
