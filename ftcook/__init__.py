"""ftcook: a fine-tuning cookbook - recipes to datasets, checks, training and use."""

__version__ = "0.1.0"
