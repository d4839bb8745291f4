"""Pictures of the trees for moderators: Mermaid (renders in GitHub/GitLab), DOT and SVG.

Each box shows the node's id (to find it in the YAML) and the screen's headline, wrapped at
word boundaries. Question screens are boxes, answers are rounded and green, screens reached
from more than one place have a double border, a screen from another tree is dashed; a
legend in the picture says so. The DOT is drawn top to bottom, and the many buttons of a
menu go to boxes on alternating rows, so a tree prints on a page or two instead of one long
row.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import textwrap
from collections.abc import Iterable

from bot.i18n import Translator
from bot.tree.model import ROOT, Node, Tree

WRAP = 30  # characters per line in a box
HEADLINE = 100  # more sentences of the first line are shown while they fit in this
BUTTON_WRAP = 15  # characters per line of a button label on an arrow
ELLIPSIS = "\u00a0…"  # a no-break space: the ellipsis stays on the last word's line
STAGGER = 3  # a menu's buttons lead to boxes on this many alternating rows
LEGEND = (
    ("question", "a question: its buttons lead on", ["shape=box"]),
    ("answer", "an answer: cites its sources", ["shape=box", 'style="rounded,filled"',
                                               'fillcolor="#e8f5e9"']),
    ("shared", "double border: reached from several screens", ["shape=box", "peripheries=2"]),
    ("outside", "dashed: a screen in another tree", ["shape=box", "style=dashed"]),
)


def headline(tr: Translator, node: Node) -> str:
    """The screen's first line in plain words: whole, or at least its whole first sentence."""
    text = tr.content(node.id, node.text).text
    first = next((line for line in text.splitlines() if line.strip()), node.id)
    plain = " ".join(re.sub(r"[*_`#>\[\]]|\(https?://\S+\)", "", first).strip(" -•").split())
    first_sentence, *rest = re.split(r"(?<=[.!?])\s+", plain)
    keep = first_sentence
    for sentence in rest:
        if len(keep) + 1 + len(sentence) > HEADLINE:
            break
        keep += " " + sentence
    return keep + ELLIPSIS if keep != plain else plain


def label_lines(tr: Translator, node: Node) -> list[str]:
    """The box: the node id, then the headline wrapped at word boundaries."""
    return [node.id, *textwrap.wrap(headline(tr, node), WRAP, break_long_words=False,
                                    break_on_hyphens=False)]


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
    lines = ["flowchart TD",
             "  %% Legend: box = question; rounded green = answer; thick border = reached from",
             "  %% several screens; dashed = a screen in another tree. First line: the node id."]
    for node in nodes:
        title = _mermaid_label(label_lines(tr, node))
        shape = f'("{title}")' if node.is_answer else f'["{title}"]'
        lines.append(f"  {_mermaid_id(node.id)}{shape}")
    outside = sorted({t for _, t, _ in _edges(nodes, tr)} - ids)
    for target in outside:
        title = _mermaid_label(label_lines(tr, tree.nodes[target]))
        lines.append(f'  {_mermaid_id(target)}[/"{title}"/]')
    for source, target, label in _edges(nodes, tr):
        lines.append(f'  {_mermaid_id(source)} -->|"{_mermaid_text(label)}"| '
                     f"{_mermaid_id(target)}")
    lines.append('  subgraph legend["Legend"]')
    for key, text, _ in LEGEND:
        shape = f'("{text}")' if key == "answer" else \
            f'[/"{text}"/]' if key == "outside" else f'["{text}"]'
        lines.append(f"    legend_{key}{shape}")
    lines.append("  end")
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
    lines.append("  class legend_answer answer")
    lines.append("  class legend_shared shared")
    lines.append("  class legend_outside outside")
    return "\n".join(lines) + "\n"


def dot(tree: Tree, tr: Translator, tree_id: str | None = None) -> str:
    nodes = _selected(tree, tree_id)
    ids = {n.id for n in nodes}
    shared = _shared(tree)
    lines = ["digraph komek {", "  rankdir=TB;", "  newrank=true;", '  fontname="sans-serif";',
             "  nodesep=0.15;", "  ranksep=0.35;",
             '  node [fontname="sans-serif", fontsize=11];',
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
            lines.append(f"    {_dot_text(node.id)} [label={_dot_lines(label_lines(tr, node))}, "
                         f"{', '.join(style)}];")
        lines.append("  }")
    stubs = 0
    for node in nodes:
        for index, choice in enumerate(node.choices):
            target = choice.target
            row = f", minlen={1 + index % STAGGER}" if len(node.choices) > STAGGER else ""
            if target not in ids:
                stubs += 1
                row = f", minlen={1 + stubs % STAGGER}"
                # A screen of another tree gets its own small box beside each button that
                # leads there, so no arrow crosses the page to reach it.
                target = f"{node.id}>{target}"
                lines.append(f"  {_dot_text(target)} [label="
                             f"{_dot_lines(_outside_lines(tree, tr, choice.target))}, "
                             "shape=box, style=dashed];")
            button = textwrap.wrap(tr.content(node.id, choice.label).text, BUTTON_WRAP,
                                   break_long_words=False, break_on_hyphens=False)
            lines.append(f"  {_dot_text(node.id)} -> {_dot_text(target)} "
                         f"[label={_dot_lines(button)}{row}];")
    lines += _dot_legend(_top(tree, tree_id))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _top(tree: Tree, tree_id: str | None) -> str:
    info = next((t for t in tree.trees if t.id == tree_id), None)
    return info.start if info is not None else ROOT


def _outside_lines(tree: Tree, tr: Translator, node_id: str) -> list[str]:
    """A screen of another tree: its id and its tree's title; it is drawn in full there."""
    group = tree.nodes[node_id].tree
    info = next((t for t in tree.trees if t.id == group), None)
    title = tr.content(f"tree:{group}", info.title).text if info else group
    return [node_id, *textwrap.wrap(title, WRAP, break_long_words=False)]


def _dot_legend(top: str) -> list[str]:
    """The legend in one row above the top screen, so it widens nothing."""
    lines = ['  subgraph "cluster_legend" {', '    label="Legend"; style=dotted;',
             "    rank=same;"]
    for key, text, style in LEGEND:
        wrapped = textwrap.wrap(text, WRAP, break_long_words=False)
        lines.append(f'    "legend_{key}" [label={_dot_lines(wrapped)}, {", ".join(style)}];')
    keys = [f'"legend_{key}"' for key, _, _ in LEGEND]
    lines.append(f"    {' -> '.join(keys)} [style=invis];")
    lines.append("  }")
    lines.append(f"  {keys[0]} -> {_dot_text(top)} [style=invis];")
    return lines


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


def _mermaid_label(lines: list[str]) -> str:
    return "<br/>".join(_mermaid_text(line) for line in lines)


def _dot_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _dot_lines(lines: list[str]) -> str:
    """Lines of a DOT label, each centred (DOT's own line break, \\n)."""
    return '"' + "\\n".join(_dot_text(line)[1:-1] for line in lines) + '"'
