"""Check argument values against a function's own annotations (simple types only).

Only scalar values (numbers, strings, None) are checked, and only against annotations built from
``int``, ``float``, ``bool``, ``str``, ``None``, ``Path`` and plain classes; anything else
(``Sequence[str]``, ``Literal``, ``Any``...) is left to the function. The annotations stay the
one source of truth: no schema is repeated.
"""

from __future__ import annotations

import inspect
import numbers
import os
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import PurePath
from typing import Any

__all__ = ["annotations_of", "check_arguments", "example_value", "expected_type"]


def check_arguments(func: Callable[..., Any], arguments: Mapping[str, Any]) -> None:
    """Raise if an argument's value does not match the simple type ``func`` annotates it with.

    Call it first thing in a constructor as ``check_arguments(Cls.__init__, locals())``.

    Parameters
    ----------
    func : callable
        The function whose signature gives the expected types.
    arguments : Mapping
        Parameter name -> value; names that are not parameters of ``func`` are ignored.

    Raises
    ------
    TypeError
        Naming the parameter, the value given and the type expected.
    """
    owner = type(arguments["self"]).__name__ if "self" in arguments else func.__qualname__
    for name, annotation in annotations_of(func).items():
        if name not in arguments:
            continue
        value = arguments[name]
        expected = expected_type(value, annotation)
        if expected is not None:
            raise TypeError(
                f"{owner}: {name} must be {expected}, got {value!r} ({type(value).__name__})"
                + _example(name, value, func)
            )


def expected_type(value: Any, annotation: Any) -> str | None:
    """Return the expected type (as words) if ``value`` does not match ``annotation``, else None.

    None too when the annotation is not simple enough to check, or ``value`` is not a scalar
    (containers, e.g. Hydra's ``DictConfig``, are left to the function).
    """
    if not isinstance(value, str | bytes | numbers.Number | None):
        return None
    members = _members(annotation)
    if members is None or any(_matches(value, m) for m in members):
        return None
    names = [_name(m) for m in members]
    return " or ".join(dict.fromkeys(names))


def annotations_of(func: Callable[..., Any]) -> dict[str, Any]:
    """Return parameter name -> evaluated annotation of ``func`` (empty if they cannot be read).

    For a class whose ``__init__`` passes ``**kwargs`` on, the base classes' parameters are
    included too.
    """
    try:
        signature = inspect.signature(func, eval_str=True)
    except (NameError, TypeError, ValueError, SyntaxError):
        return {}  # unresolvable annotations (names under TYPE_CHECKING): nothing to check
    params = signature.parameters.values()
    found = {p.name: p.annotation for p in params if p.annotation is not inspect.Parameter.empty}
    if isinstance(func, type) and any(p.kind is p.VAR_KEYWORD for p in params):
        for base in func.__mro__[1:]:
            if "__init__" in vars(base) and base is not object:
                for name, annotation in annotations_of(base).items():
                    found.setdefault(name, annotation)
                break
    return found


def _members(annotation: Any) -> list[Any] | None:
    """Return the members of a union of simple types, or None if any member is not simple."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        parts = [_members(a) for a in typing.get_args(annotation)]
        if any(p is None for p in parts):
            return None
        return [m for p in parts for m in p]  # type: ignore[union-attr]
    if annotation is None or annotation is type(None):
        return [type(None)]
    if isinstance(annotation, type) and origin is None and _checkable(annotation):
        return [annotation]
    return None


def _checkable(cls: type) -> bool:
    try:
        isinstance(None, cls)  # raises for Any, protocols that are not runtime-checkable, ...
    except TypeError:
        return False
    return cls is not object and not getattr(cls, "_is_protocol", False)


def _matches(value: Any, cls: type) -> bool:
    if cls is bool:
        return isinstance(value, bool) or type(value).__name__ == "bool_"
    if cls is int:
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if cls is float:
        return isinstance(value, numbers.Real) and not isinstance(value, bool)
    if issubclass(cls, PurePath):
        return isinstance(value, str | os.PathLike)
    return isinstance(value, cls)


def _name(cls: type) -> str:
    if cls is type(None):
        return "None"
    if issubclass(cls, PurePath):
        return "Path"  # a str is accepted too
    return cls.__name__


def example_value(annotation: Any) -> str:
    """Return a value of ``annotation``'s first simple type as typed on a command line."""
    for member in _members(annotation) or []:
        if member in _EXAMPLES:
            return _EXAMPLES[member]
    return "null"


_EXAMPLES = {bool: "true", int: "10", float: "0.5", str: "NAME"}


def _example(name: str, value: Any, func: Callable[..., Any]) -> str:
    try:
        default = inspect.signature(func).parameters[name].default
    except (KeyError, TypeError, ValueError):
        return ""
    number = isinstance(default, int | float) and not isinstance(default, bool)
    if isinstance(value, str) and number:
        return f"; pass a number, e.g. {name}={default!r}, not a string"
    return ""
