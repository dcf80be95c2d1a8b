"""Lazy exports for packages (PEP 562): a public name imports its module on first use.

`import clipforge` (and `clipforge.media`, `clipforge.delivery`) stays cheap this way: the
command line's `--help` or `probe` never pay for numpy, OpenCV or the render stack.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Iterable, Mapping
from typing import Any


class _LazyPackage(types.ModuleType):
    """A package module whose functions win over submodules of the same name.

    Importing the submodule `clipforge.render` binds it as the package's `render` attribute
    (the import system does that after loading it), which would hide the function the package
    exports under that name. Only that binding is ignored; any other value (a test's
    monkeypatch, say) is stored as usual.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and name in self.__dict__.get("_keep", ()):
            return
        super().__setattr__(name, value)


def export_lazily(
    package: str, names: Mapping[str, str], functions_over_submodules: Iterable[str] = ()
) -> None:
    """Give `package` a module `__getattr__` that imports each public name from its module.

    Args:
        package: The package's `__name__`.
        names: Public name -> the module it lives in.
        functions_over_submodules: Exported functions named like one of the package's
            submodules (`clipforge.render`), kept when that submodule gets imported.
    """
    module = sys.modules[package]

    def __getattr__(name: str) -> Any:
        where = names.get(name)
        if where is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(where), name)
        module.__dict__[name] = value  # once: later uses are plain attribute reads
        return value

    def __dir__() -> list[str]:
        return sorted({*module.__dict__, *getattr(module, "__all__", ())})

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    module.__dir__ = __dir__  # type: ignore[method-assign]
    keep = frozenset(functions_over_submodules)
    if keep:
        module.__dict__["_keep"] = keep
        module.__class__ = _LazyPackage
