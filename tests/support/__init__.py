"""Helpers every test folder (and `bench/`) shares: waiting on a condition, free ports, component
files. Plain Python, no pytest, so that `python -m bench` can import them too."""
