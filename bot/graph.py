"""Pictures of the trees for moderators: Mermaid (renders in GitHub/GitLab), DOT and SVG.

Question screens are boxes, answers are rounded, screens reached from more than one place
are drawn with a double border, and a node from another tree is drawn dashed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable

from bot.i18n import Translator
from bot.tree.model import Node, Tree

TITLE_LENGTH = 48


def node_title(tr: Translator, node: Node) -> str:
    """The first line of the screen in plain words, short enough for a box."""
    text = tr.content(node.id, node.text).text
    first = next((line for line in text.splitlines() if line.strip()), node.id)
    plain = re.sub(r"[*_`#>\[\]]|\(https?://\S+\)", "", first).strip(" -•")
    return plain if len(plain) <= TITLE_LENGTH else plain[: TITLE_LENGTH - 1] + "…"


def _selected(tree: Tree, tree_id: str | None) -> list[Node]:
    return [n for n in tree.nodes.values() if tree_id is None or n.tree == tree_id]


def _shared(tree: Tree) -> set[str]:
    parents: dict[str, set[str]] = {}
    for node in tree.nodes.values():
        for choice in node.choices:
            parents.setdefault(choice.target, set()).add(node.id)
    return {target for target, sources in parents.items() if len(sources) > 1}


def _edges(nodes: Iterable[Node], tr: Translator) -> list[tuple[str, str, str]]:
    return [(n.id, c.target, tr.content(n.id, c.label).text) for n in nodes for c in n.choices]


def mermaid(tree: Tree, tr: Translator, tree_id: str | None = None) -> str:
    nodes = _selected(tree, tree_id)
    ids = {n.id for n in nodes}
    shared = _shared(tree)
    lines = ["flowchart LR"]
    for node in nodes:
        title = _mermaid_text(node_title(tr, node))
        shape = f'("{title}")' if node.is_answer else f'["{title}"]'
        lines.append(f"  {_mermaid_id(node.id)}{shape}")
    outside = sorted({t for _, t, _ in _edges(nodes, tr)} - ids)
    for target in outside:
        title = _mermaid_text(node_title(tr, tree.nodes[target]))
        lines.append(f'  {_mermaid_id(target)}[/"{title}"/]')
    for source, target, label in _edges(nodes, tr):
        lines.append(f'  {_mermaid_id(source)} -->|"{_mermaid_text(label)}"| '
                     f"{_mermaid_id(target)}")
    lines += [
        "  classDef answer fill:#e8f5e9,stroke:#2e7d32",
        "  classDef shared stroke-width:3px",
        "  classDef outside stroke-dasharray:4 3,fill:#f5f5f5",
    ]
    for css, members in (("answer", [n.id for n in nodes if n.is_answer]),
                         ("shared", [n for n in ids if n in shared]),
                         ("outside", outside)):
        if members:
            lines.append(f"  class {','.join(_mermaid_id(m) for m in sorted(members))} {css}")
    return "\n".join(lines) + "\n"


def dot(tree: Tree, tr: Translator, tree_id: str | None = None) -> str:
    nodes = _selected(tree, tree_id)
    ids = {n.id for n in nodes}
    shared = _shared(tree)
    lines = ["digraph komek {", "  rankdir=LR;", '  node [fontname="sans-serif", fontsize=11];',
             '  edge [fontname="sans-serif", fontsize=9];']
    by_tree: dict[str, list[Node]] = {}
    for node in nodes:
        by_tree.setdefault(node.tree, []).append(node)
    for group, members in by_tree.items():
        info = next((t for t in tree.trees if t.id == group), None)
        title = tr.content(f"tree:{group}", info.title).text if info else group
        lines.append(f'  subgraph "cluster_{group}" {{')
        lines.append(f"    label={_dot_text(title)};")
        for node in members:
            style = ['shape=box', 'style="rounded,filled"', 'fillcolor="#e8f5e9"'] \
                if node.is_answer else ["shape=box"]
            if node.id in shared:
                style.append("peripheries=2")
            lines.append(f"    {_dot_text(node.id)} [label={_dot_text(node_title(tr, node))}, "
                         f"{', '.join(style)}];")
        lines.append("  }")
    for target in sorted({t for _, t, _ in _edges(nodes, tr)} - ids):
        lines.append(f"  {_dot_text(target)} [label={_dot_text(node_title(tr, tree.nodes[target]))}"
                     ", shape=box, style=dashed];")
    for source, target, label in _edges(nodes, tr):
        lines.append(f"  {_dot_text(source)} -> {_dot_text(target)} [label={_dot_text(label)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def svg(dot_source: str) -> str:
    """Graphviz draws the DOT; it must be installed (Debian: graphviz)."""
    program = shutil.which("dot")
    if program is None:
        raise RuntimeError("Graphviz is not installed: `apt-get install graphviz`, or use "
                           "--format mermaid")
    done = subprocess.run([program, "-Tsvg"], input=dot_source, capture_output=True,  # noqa: S603
                          text=True, check=True, timeout=60)
    return done.stdout


def _mermaid_id(node_id: str) -> str:
    return "n_" + node_id.replace("-", "_")


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("\n", " ")


def _dot_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'
