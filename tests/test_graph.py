"""A picture of a tree that a colleague can read, find boxes in the YAML with, and print."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from bot import graph
from bot.content import ContentSource
from bot.i18n import LANGUAGES, Translator
from bot.tree.model import Tree

SVG = "{http://www.w3.org/2000/svg}"
TREES = ("work", "asylum", "return", "abuse", "main")
# Measured on the real content (dot -Tpng): the widest tree, work in Russian, is 2058 × 1100
# px (1.87:1), asylum in Russian 1985 × 2467 (1.24:1), all trees 4393 × 3801; before, asylum
# alone was one row of 7253 × 1013 px (7.2:1). Two A4 pages side by side are 1.41:1.
PAGE_LIKE = 2.0


def dot_program() -> str:
    """Graphviz, which CI installs (.ci/run): missing there is a failure, here a skip."""
    program = shutil.which("dot")
    if program is None:
        if os.environ.get("CI"):
            pytest.fail("Graphviz (dot) is not installed, and CI must draw the trees")
        pytest.skip("Graphviz (dot) is not installed; CI installs it and runs this")
    return program


def render(source: str) -> ET.Element:
    done = subprocess.run([dot_program(), "-Tsvg"], input=source, capture_output=True,
                          text=True, timeout=60, check=True)
    return ET.fromstring(done.stdout)


def boxes(svg: ET.Element) -> dict[str, list[str]]:
    """Each drawn node's DOT id and the lines of text in its box."""
    found = {}
    for group in svg.iter(f"{SVG}g"):
        if group.get("class") == "node":
            title = group.findtext(f"{SVG}title") or ""
            found[title] = [t.text or "" for t in group.iter(f"{SVG}text")]
    return found


def plain(tr: Translator, tree: Tree, node_id: str) -> str:
    node = tree.nodes[node_id]
    text = tr.content(node.id, node.text).text
    return " ".join(re.sub(r"[*_`#>\[\]]|\(https?://\S+\)", "", text).split())


@pytest.fixture(scope="module")
def content() -> ContentSource:
    from tests.conftest import ROOT

    source, problems = ContentSource.load(ROOT / "content", ROOT / "locales")
    assert source is not None, problems
    return source


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("tree_id", TREES)
def test_every_box_shows_its_id_and_whole_words(content: ContentSource, tree_id: str,
                                               lang: str):
    tree = content.current.tree
    tr = Translator(content.current.catalogs, lang)
    drawn = boxes(render(graph.dot(tree, tr, tree_id)))
    screens = {n.id for n in tree.nodes.values() if n.tree == tree_id}
    outside = {c.target for n in tree.nodes.values() if n.tree == tree_id for c in n.choices
               if c.target not in screens}
    shown = {lines[0] for key, lines in drawn.items() if not key.startswith("legend_")}
    assert screens | outside == shown  # the first line of every box is the node id
    for key, (node_id, *lines) in drawn.items():
        if key not in screens:
            continue
        words = " ".join(lines).replace("\u00a0", " ").split()
        assert all(len(line) <= graph.WRAP or " " not in line for line in lines), lines
        text = plain(tr, tree, node_id)
        shown_text = " ".join(w for w in words if w != "…")
        assert text.startswith(shown_text), (node_id, shown_text)  # whole words, in order
        cut_at = len(shown_text)
        assert cut_at == len(text) or text[cut_at] in " \n", (node_id, shown_text)
        if words[-1] == "…":  # cut after the first sentence at least
            assert re.search(r"[.!?]", shown_text), (node_id, shown_text)


def test_the_asylum_deadline_is_in_its_box_in_every_language(content: ContentSource):
    tree = content.current.tree
    for lang, deadline in (("en", "5 calendar days"), ("ru", "5 календарных дней"),
                           ("kk", "5 күнтізбелік күн"), ("uz", "5 kalendar kun")):
        drawn = boxes(render(graph.dot(tree, Translator(content.current.catalogs, lang),
                                       "asylum")))
        assert deadline in " ".join(drawn["asylum-apply"]), lang


def test_the_legend_explains_every_border(content: ContentSource):
    tr = Translator(content.current.catalogs, "ru")
    svg = render(graph.dot(content.current.tree, tr, "asylum"))
    clusters = [g.findtext(f"{SVG}title") for g in svg.iter(f"{SVG}g")
                if g.get("class") == "cluster"]
    assert "cluster_legend" in clusters
    legend = " ".join(" ".join(lines) for key, lines in boxes(svg).items()
                      if key.startswith("legend_"))
    for words in ("a question", "an answer", "double border", "dashed"):
        assert words in legend
    source = graph.mermaid(content.current.tree, tr, "asylum")
    assert 'subgraph legend["Legend"]' in source and "%% Legend:" in source


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_tree_is_shaped_like_a_page_or_two(content: ContentSource, lang: str):
    tr = Translator(content.current.catalogs, lang)
    for tree_id in (*TREES, None):
        svg = render(graph.dot(content.current.tree, tr, tree_id))
        width, height = (float(svg.get(side, "0").removesuffix("pt"))
                         for side in ("width", "height"))
        assert max(width, height) / min(width, height) <= PAGE_LIKE, (tree_id, width, height)


def test_mermaid_boxes_carry_the_id_and_wrapped_words(content: ContentSource):
    tr = Translator(content.current.catalogs, "kk")
    source = graph.mermaid(content.current.tree, tr, "asylum")
    assert source.splitlines()[0] == "flowchart TD"
    box = next(line for line in source.splitlines() if line.startswith("  n_asylum_apply("))
    first, *rest = box.split('"')[1].split("<br/>")
    assert first == "asylum-apply"
    assert all(len(line) <= graph.WRAP for line in rest)
    assert "5 күнтізбелік күн" in " ".join(rest)
