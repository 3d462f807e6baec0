"""The one way alignaudit reads YAML (probe suites, policy files): safe, strict and bounded.

- **Safe**: PyYAML's ``SafeLoader`` (no Python objects), parsed once into a node graph.
- **Duplicate keys are rejected** (PyYAML keeps the last one silently, so a second, empty
  ``fail_on:`` would switch every gate off): ``file:line: key `k` appears twice``.
- **Alias expansion is bounded**: anchors and aliases (``&a`` / ``*a``) may repeat a value, but
  the document they expand to may hold at most :data:`MAX_ALIAS_NODES` nodes more than the file
  writes out (a few hundred bytes of nested aliases otherwise expand to billions of nodes);
  a recursive alias is refused. The file itself is at most :data:`MAX_BYTES`, nested at most
  :data:`MAX_DEPTH` levels.
- **Dates stay strings**: YAML's implicit timestamps are off, so an unquoted ``2026-02-30`` is
  the text ``2026-02-30`` for :func:`alignaudit._util.dates.check_date` to judge (PyYAML would
  raise its own ``day is out of range for month``, and turn a valid date into a ``datetime``).

Every problem is a :class:`~alignaudit._util.errors.UserError` naming the file and the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from alignaudit._util.errors import UserError

MAX_BYTES = 64 * 1024 * 1024
"""Largest YAML file read (a generated suite of many thousands of probes is a few MB)."""
MAX_ALIAS_NODES = 100_000
"""Most nodes that aliases may add to a document beyond the nodes the file writes out."""
MAX_DEPTH = 64
"""Deepest nesting of lists and mappings read (a suite needs about six levels)."""
TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _TooDeep(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


class _Loader(yaml.SafeLoader):
    """SafeLoader without implicit timestamps (dates stay strings), nesting at most
    :data:`MAX_DEPTH` levels (deeper, PyYAML's recursion would be slow, then overflow)."""

    depth = 0

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:  # noqa: N803 - PyYAML's name
        # the scanner looks ahead over every open `[` or `{` (quadratic): stop at the bound
        if self.flow_level >= MAX_DEPTH:
            raise _TooDeep(self.get_mark().line + 1)
        super().fetch_flow_collection_start(TokenClass)

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _TooDeep(self.peek_event().start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class YamlDocument:
    """A parsed YAML document and the line (1-based) of each node, by path of keys/indexes."""

    data: Any
    lines: dict[tuple[Any, ...], int]

    def line(self, loc: Any) -> int | None:
        """Line of the node at ``loc`` (a path of keys and indexes), or of its nearest parent."""
        path = tuple(loc)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())


def read_yaml(path: Path, what: str) -> YamlDocument:
    """Read and parse the YAML file ``path``; ``what`` names it in messages (``--policy p.yaml``,
    ``probe suite s.yaml``)."""
    try:
        if path.is_dir():
            raise UserError(f"Cannot read {what}: Is a directory. Give the path of a YAML file.")
        if path.stat().st_size > MAX_BYTES:
            raise UserError(f"Cannot read {what}: the file is larger than {MAX_BYTES // 2**20} "
                            "MB, far larger than a YAML file of alignaudit. Check the path.")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"Cannot read {what}: no such file.") from None
    except OSError as exc:
        raise UserError(f"Cannot read {what}: {exc.strerror or exc}.") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(
            f"{path}: not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8."
        ) from None
    return parse_yaml(text, str(path))


def parse_yaml(text: str, source: str) -> YamlDocument:
    """Parse YAML ``text``; ``source`` (a file name) starts every message."""
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:  # a control character, before any parsing
        line = text.count("\n", 0, exc.position) + 1
        raise UserError(f"{source}:{line}: the file holds a control character "
                        f"(U+{exc.character:04X}) that YAML does not allow; remove it, or write "
                        "it as an escape "
                        "(\\x..) inside a double-quoted string.") from None
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(None, {})
        _check_expansion(node, source)
        lines: dict[tuple[Any, ...], int] = {}
        _index(node, (), lines, source)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise UserError(syntax_message(source, text, exc)) from None
    except _TooDeep as deep:
        raise UserError(f"{source}:{deep.line}: the YAML nests lists or mappings more than "
                        f"{MAX_DEPTH} levels deep; a suite or a policy needs a few.") from None
    except RecursionError:  # pragma: no cover - the depth bound comes first
        raise UserError(f"{source}: the YAML is nested too deeply to read; flatten it.") from None
    finally:
        loader.dispose()
    return YamlDocument(data, lines)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_expansion(root: yaml.Node, source: str) -> None:
    """Refuse a recursive alias, or aliases that expand past the bound (counted on the node
    graph, each shared node once, so the count itself stays cheap)."""
    size: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            active.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in _children(node))
            continue
        if key in size:
            continue
        if key in active:
            raise UserError(f"{source}:{node.start_mark.line + 1}: a YAML alias refers to the "
                            "value that contains it (a recursive alias); write the value out.")
        active.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in size)
    extra = size[id(root)] - len(size)
    if extra > MAX_ALIAS_NODES:
        raise UserError(
            f"{source}: its YAML aliases (*name) expand to {size[id(root)]:,} values, more than "
            f"{MAX_ALIAS_NODES:,} beyond what the file writes out. Write the repeated values "
            "out, or use fewer nested aliases.")


def _index(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int],
           source: str) -> None:
    """Record each node's line by path, and refuse a key that appears twice in one mapping."""
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else id(key)
            line = key.start_mark.line + 1
            if name in seen:
                raise UserError(f"{source}:{line}: key `{name}` appears twice in the same "
                                f"mapping (first at line {seen[name]}); keep one.")
            seen[name] = line
            _index(value, path + (name,), out, source)
            out[path + (name,)] = line
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, path + (i,), out, source)


_CLOSERS = {"[": "]", "{": "}", '"': '"', "'": "'"}


def syntax_message(source: str, text: str, exc: yaml.YAMLError) -> str:
    """Where a YAML file stops parsing, and why.

    PyYAML's ``problem_mark`` is where the parser gave up, which for a bracket or quote left
    open is a later line or the end of the file. When its ``context_mark`` points at that
    opening bracket or quote, the message names the opener's line first, and the other too.
    """
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    opened = getattr(exc, "context_mark", None)
    opener = text[opened.index] if opened is not None and opened.index < len(text) else ""
    if opened is not None and mark is not None and opener in _CLOSERS \
            and mark.line > opened.line:
        here = (f"{source}:{opened.line + 1}: the YAML does not parse: the `{opener}` opened "
                f"here (column {opened.column + 1})")
        fix = f"Close it with `{_CLOSERS[opener]}`" + (
            f", or quote the whole value if the `{opener}` is part of the text."
            if opener in "[{" else ".")
        if "end of stream" in problem or "<stream end>" in problem:
            return (f"{here} is never closed (the parser gave up at line {mark.line + 1}, the "
                    f"end of the file: {problem}). {fix}")
        if opener in "[{" and problem.startswith("expected ','"):
            return (f"{here} is not closed before line {mark.line + 1}, or an item in it "
                    f"lacks its comma: the parser gave up there ({problem}). {fix}")
    where = f"{source}:{mark.line + 1}" if mark is not None else source
    return f"{where}: the YAML does not parse ({problem}). Fix the syntax there."
