"""YAML with line numbers: PyYAML's C parser composes nodes; this keeps each one's line.

Values come back as YMap (a dict) and YList (a list) that know the 1-based line of every
key and item, so the loader can name the line a moderator must open. A key written twice
in one mapping is reported, where plain YAML loading would silently keep the last one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.tree.model import Place
from bot.tree.problems import Problem, error

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YMap(dict[Any, Any]):
    line: int
    key_lines: dict[Any, int]


class YList(list[Any]):
    line: int
    item_lines: list[int]


def parse(path: Path, shown: str) -> tuple[Any, list[Problem]]:
    """One file's data with lines, or the problems that stop it (syntax, encoding, duplicates)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [error(Place(shown, 1), "the file is not UTF-8 text; save it as UTF-8")]
    return parse_text(text, shown)


def parse_text(text: str, shown: str) -> tuple[Any, list[Problem]]:
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, [error(Place(shown, 1), "the file is empty")]
        problems: list[Problem] = []
        return _value(loader, root, shown, problems), problems
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = exc.problem or exc.context or "the file is not valid YAML"
        started = exc.context_mark
        if exc.context and started is not None and started.line + 1 != line:
            what += f" ({exc.context} that starts on line {started.line + 1})"
        return None, [error(Place(shown, line), f"YAML syntax: {what}")]
    except yaml.YAMLError as exc:
        return None, [error(Place(shown, 1), f"YAML syntax: {exc}")]
    finally:
        loader.dispose()


def _value(loader: yaml.SafeLoader, node: yaml.Node, shown: str,
           problems: list[Problem]) -> Any:
    if isinstance(node, yaml.MappingNode):
        mapping = YMap()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = _value(loader, key_node, shown, problems)
            if not isinstance(key, str | int | float | bool):
                key = str(key)
            line = key_node.start_mark.line + 1
            if key in mapping:
                problems.append(error(Place(shown, line), f"key '{key}' is written twice here "
                                      f"(first on line {mapping.key_lines[key]}); keep one"))
                continue
            mapping[key] = _value(loader, value_node, shown, problems)
            mapping.key_lines[key] = line
        return mapping
    if isinstance(node, yaml.SequenceNode):
        items = YList(_value(loader, item, shown, problems) for item in node.value)
        items.line = node.start_mark.line + 1
        items.item_lines = [item.start_mark.line + 1 for item in node.value]
        return items
    return loader.construct_object(node, deep=True)
