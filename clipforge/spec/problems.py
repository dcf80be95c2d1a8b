"""Turn pydantic validation errors into `Problem`s that name the file, line, key and a fix.

pydantic's error locations mix document keys with union tags (`filters.0.adjust.brightness`);
walking the model types alongside the data tells the two apart, and also tells which keys were
allowed where an unknown one was found, for a "did you mean" hint.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, Tag, ValidationError

from clipforge.errors import Problem
from clipforge.spec.locations import KeyPath, LineMap, format_key_path

_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")


def _unwrap(tp: Any) -> Any:
    """Strip `Annotated` and `None` from a type, keeping what validation descends into."""
    while True:
        if get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
            continue
        if get_origin(tp) in (Union, types.UnionType):
            members = [m for m in get_args(tp) if m is not type(None)]
            if len(members) == 1:
                tp = members[0]
                continue
        return tp


def _tag_of(member: Any) -> str | None:
    """The tag pydantic puts in error locations for a member of a discriminated union."""
    if get_origin(member) is Annotated:
        for meta in get_args(member)[1:]:
            if isinstance(meta, Tag):
                return meta.tag
    inner = _unwrap(member)
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        field = inner.model_fields.get("type")
        if field is not None and isinstance(field.default, str):
            return field.default
    return None


def _union_members(tp: Any) -> list[Any]:
    if get_origin(tp) in (Union, types.UnionType):
        return [m for m in get_args(tp) if m is not type(None)]
    return []


def _field_type(model: type[BaseModel], key: object) -> Any:
    for name, field in model.model_fields.items():
        if key in (name, field.alias):
            return field.annotation
    return None


def allowed_keys(model: type[BaseModel]) -> list[str]:
    """The keys a document may use for `model` (aliases where they exist)."""
    return [field.alias or name for name, field in model.model_fields.items()]


def _walk(root: type[BaseModel], data: Any, loc: tuple[Any, ...]) -> tuple[KeyPath, Any]:
    """Follow an error location through the types and the data.

    Returns:
        The document key path (union tags removed) and the type at the end of the location.
    """
    path: list[str | int] = []
    tp: Any = root
    node = data
    for element in loc:
        tp = _unwrap(tp)
        members = _union_members(tp)
        if members:
            tagged = {_tag_of(m): m for m in members}
            if element in tagged:
                tp = tagged[element]  # a union tag: not part of the document path
                continue
        path.append(element)
        if isinstance(node, dict):
            node = node.get(element)
        elif isinstance(node, list | tuple) and isinstance(element, int):
            node = node[element] if 0 <= element < len(node) else None
        else:
            node = None
        tp = _descend(tp, element)
    return tuple(path), _unwrap(tp)


def _descend(tp: Any, element: object) -> Any:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return _field_type(tp, element)
    origin = get_origin(tp)
    args = get_args(tp)
    if origin in (list, typing.Sequence) and args:
        return args[0]
    if origin is tuple and args and isinstance(element, int):
        return args[element] if element < len(args) else None
    if origin is dict and len(args) == 2:
        return args[1]
    return None


def _show(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _suggest(word: object, options: list[str]) -> str:
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _message(error: Any, end_type: Any, parent_type: Any) -> str:
    """A message that says what was expected and what was found."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    found = error.get("input")
    loc = error["loc"]
    if kind == "missing":
        return f"required key '{loc[-1]}' is missing"
    if kind == "extra_forbidden":
        options = allowed_keys(parent_type) if _is_model(parent_type) else []
        hint = _suggest(loc[-1], options)
        if not hint and options:
            hint = "; expected one of: " + ", ".join(options)
        return f"unknown key '{loc[-1]}'{hint}"
    if kind in ("literal_error", "enum"):
        options = _QUOTED.findall(str(ctx.get("expected", "")))
        return f"expected one of {ctx.get('expected')}, found {_show(found)}" + _suggest(
            found, options
        )
    if kind == "union_tag_invalid":
        options = _QUOTED.findall(str(ctx.get("expected_tags", "")))
        key = str(ctx.get("discriminator", "tag")).strip("'")
        return (
            f"unknown {key} {_show(ctx.get('tag'))}; expected one of {ctx.get('expected_tags')}"
            + _suggest(ctx.get("tag"), options)
        )
    if kind == "union_tag_not_found":
        tags = [t for t in (_tag_of(m) for m in _union_members(end_type)) if t]
        expected = f" (one of {', '.join(tags)})" if tags else ""
        return f"required key {ctx.get('discriminator', 'type')} is missing{expected}"
    msg = str(error.get("msg", "invalid value"))
    if kind in ("value_error", "assertion_error"):
        return re.sub(r"^(Value|Assertion) error, ", "", msg)
    if msg.startswith("Input should be "):
        rest = msg[len("Input should be ") :]
        if rest.startswith(("greater", "less")):
            rest = "a value " + rest
        msg = "expected " + rest
    return f"{msg}; found {_show(found)}"


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def problems_from_validation(
    error: ValidationError, root: type[BaseModel], data: Any, lines: LineMap
) -> list[Problem]:
    """Convert every pydantic error into a located, readable `Problem`.

    Args:
        error: The validation error raised for `data`.
        root: The model `data` was validated as.
        data: The validated document (after extends and placeholders).
        lines: Positions of the document's keys.

    Returns:
        One problem per error, in document order.
    """
    problems: list[Problem] = []
    for item in error.errors():
        loc = tuple(item["loc"])
        try:
            path, end_type = _walk(root, data, loc)
            _, parent_type = _walk(root, data, loc[:-1]) if loc else ((), root)
            message = _message(item, end_type, parent_type)
        except Exception:  # never let a reporting bug hide the user's real problem
            path, message = tuple(p for p in loc if isinstance(p, str | int)), str(item["msg"])
        mark = lines.find(path)
        problems.append(Problem(message, mark.file, mark.line, mark.column, format_key_path(path)))
    problems.sort(key=lambda p: (p.file or "", p.line or 0, p.column or 0))
    return problems
