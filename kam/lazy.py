"""Heavy libraries imported where they are first used, not when a process starts.

pandas and numpy take most of a second to import, openpyxl a quarter of one. A module that needs
one binds a stand-in at the top, and the library is imported on the first attribute read
(``pd.DataFrame``), so ``manage.py check``, the web server and every command that never touches
a ledger start without it. Type checkers see the real module:

    if TYPE_CHECKING:
        import pandas as pd
    else:
        pd = lazy.module("pandas")
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule(ModuleType):
    """Stands for the module ``name`` until an attribute is read, then holds its contents."""

    def __getattr__(self, attribute: str) -> Any:
        real = importlib.import_module(self.__name__)
        self.__dict__.update(real.__dict__)  # later reads skip this method
        return getattr(real, attribute)


def module(name: str) -> Any:
    """A stand-in for the module ``name``, imported on first use."""
    return LazyModule(name)
