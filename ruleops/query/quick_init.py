"""A faster `__init__` for the frozen dataclasses parsers build by the thousand (tree nodes).

A frozen dataclass's generated `__init__` sets each field through `object.__setattr__` (the
class's own `__setattr__` refuses), one call per field. For a class whose instances keep
their fields in `__dict__` (no `__slots__`), storing into that dict directly is the same
assignment, in about half the time. `quick_init(cls)` gives the class such an `__init__`,
with the generated one's signature (field names, order, defaults): instances, equality,
hashing, repr and immutability are exactly what they were. A class this does not fit
(`__slots__`, `__post_init__`, fields outside `__init__`, keyword-only fields, default
factories) keeps its generated `__init__`.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T", bound=type)


def quick_init(cls: T) -> T:
    """Replace the frozen dataclass `cls`'s `__init__` (see the module docstring)."""
    fields = dataclasses.fields(cls)
    if (
        "__slots__" in cls.__dict__
        or hasattr(cls, "__post_init__")
        or any(
            not f.init or f.kw_only or f.default_factory is not dataclasses.MISSING for f in fields
        )
    ):
        return cls
    defaults = {f"_default_{f.name}": f.default for f in fields}
    params = ", ".join(
        f.name if f.default is dataclasses.MISSING else f"{f.name}=_default_{f.name}"
        for f in fields
    )
    body = "".join(f"\n    d[{f.name!r}] = {f.name}" for f in fields) or "\n    pass"
    source = f"def __init__(self, {params}):\n    d = self.__dict__{body}\n"
    namespace: dict[str, Any] = {}
    exec(source, defaults, namespace)  # generated from field names, as dataclasses does
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__dict__["__init__"].__doc__
    cls.__init__ = init  # type: ignore[misc]
    return cls
