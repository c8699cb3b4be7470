"""Reading the project's and the user's data files, strictly.

Every YAML file (built-in data, an overlay, a ``--hardware`` file, a report scenario) is read
here, so one set of rules holds everywhere. A file is refused with one line naming it when it

* cannot be read, or is larger than :data:`MAX_DATA_FILE_BYTES` (the largest shipped file is
  ~60 kB; a data file of megabytes is a mistake, and parsing it would be slow);
* is not UTF-8 text (a binary file given by mistake);
* is malformed YAML or nests deeper than the parser can follow;
* expands to more than :data:`MAX_EXPANDED_NODES` nodes: anchors and aliases (``&a`` /
  ``*a``, which ``yaml.dump`` writes for shared objects) are allowed, but a few lines of
  nested aliases can stand for billions of nodes that validation would then walk;
* repeats a key in one mapping: YAML's spec forbids it, but PyYAML keeps the last value
  silently, so a second ``value:`` would override the first without a word.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, SequenceNode

from siliconomics.errors import SiliconomicsError

MAX_DATA_FILE_BYTES = 4 * 2**20


#: More nodes than any data file needs (the largest shipped file has ~5,000).
MAX_EXPANDED_NODES = 1_000_000


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader with duplicate keys as errors."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:  # type: ignore[override]
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            try:
                duplicate = key in seen
            except TypeError:  # an unhashable key: the base class reports it
                break
            if duplicate:
                raise ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _expanded_size(root: Node) -> int:
    """Nodes in the document with every alias expanded, counted without expanding:
    size(n) = 1 + sum of its children's sizes, memoised per node (aliases share nodes)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        children: list[Node] = []
        if isinstance(node, MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, SequenceNode):
            children = list(node.value)
        if done:
            sizes[id(node)] = min(1 + sum(sizes[id(c)] for c in children), MAX_EXPANDED_NODES + 1)
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def read_text(path: Path, *, what: str = "file", max_bytes: int = MAX_DATA_FILE_BYTES) -> str:
    """The UTF-8 text of ``path``, or one error line naming it."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise SiliconomicsError(f"{path}: {what} is {size} bytes; at most {max_bytes}")
        return path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise SiliconomicsError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise SiliconomicsError(f"{path}: {what} is not UTF-8 text") from None


def read_yaml(path: Path) -> Any:
    """Parse one YAML data file under the rules of this module."""
    text = read_text(path, what="YAML file")
    loader: _StrictLoader | None = None
    try:
        loader = _StrictLoader(text)  # the reader checks the characters here
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node) > MAX_EXPANDED_NODES:
            raise SiliconomicsError(
                f"{path}: malformed YAML: its aliases expand to more than "
                f"{MAX_EXPANDED_NODES} nodes"
            )
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SiliconomicsError(f"{path}: malformed YAML{at}: {problem}") from None
    except RecursionError:
        raise SiliconomicsError(f"{path}: malformed YAML: nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()
