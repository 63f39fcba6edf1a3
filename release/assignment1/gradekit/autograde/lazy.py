"""Data for the hidden checks, loaded on first use.

A dataset fixture that loads eagerly makes every check that asks for it wait for the load, even a
check that fails at once because the notebook it measures was not executed: wrapping the load in
`Lazy` lets such checks fail immediately and loads the data once, for the first check that reads it.
"""
from collections.abc import Mapping


class Lazy(Mapping):
    """A read-only mapping whose content `load()` returns, called at the first lookup."""

    def __init__(self, load):
        self._load = load
        self._data = None

    def _loaded(self):
        if self._data is None:
            self._data = dict(self._load())
        return self._data

    def __getitem__(self, key):
        return self._loaded()[key]

    def __iter__(self):
        return iter(self._loaded())

    def __len__(self):
        return len(self._loaded())
