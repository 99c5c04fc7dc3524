"""The modules of lambdad's Python runtime client; bootstrap.py is the entry."""
