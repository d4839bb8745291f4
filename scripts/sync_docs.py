"""Copy the documents Kömek's users and contributors need into docs/, links made local.

The design map, the people, the legal research and the glossary are written in the project's
shared folder, which sits beside the repository (`../shared`) and does not travel with it.
Their copies in docs/ do; this script makes them, and a test checks they are in step:

    python scripts/sync_docs.py            # refresh docs/ from ../shared
    python scripts/sync_docs.py --check    # exit 1 if docs/ differs from ../shared
    python scripts/sync_docs.py --shared /path/to/shared
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
COPIES = {  # the copy in this repository: the source in the shared folder
    "docs/DESIGN.md": "DESIGN.md",
    "docs/PEOPLE.md": "PEOPLE.md",
    "docs/legal-facts.md": "research/legal-facts.md",
    "docs/glossary.md": "research/glossary.md",
    "docs/seed/fidh-kazakhstan-upr-2010.txt": "seed/fidh-kazakhstan-upr-2010.txt",
}
REWRITES = (  # links that leave the repository, and where they point inside docs/
    ("`../shared/research/legal-facts.md`", "[`legal-facts.md`](legal-facts.md)"),
    ("`../shared/research/glossary.md`", "[`glossary.md`](glossary.md)"),
    ("`../shared/seed/`", "[`seed/`](seed/fidh-kazakhstan-upr-2010.txt)"),
    ("the brief in `seed/`", "the brief in [`seed/`](seed/fidh-kazakhstan-upr-2010.txt)"),
)
NOTE = ("<!-- A copy of {source} from the project's shared folder, made by "
        "scripts/sync_docs.py: change the source, then run `python scripts/sync_docs.py`. -->"
        "\n\n")


def rendered(shared: Path) -> dict[str, str]:
    """Each copy's text as the script would write it."""
    copies: dict[str, str] = {}
    for copy, source in COPIES.items():
        text = (shared / source).read_text(encoding="utf-8")
        if copy.endswith(".md"):
            for old, new in REWRITES:
                text = text.replace(old, new)
            if "../shared" in text:
                raise ValueError(f"{source} links to ../shared in a way this script does not "
                                 "rewrite: add the link to REWRITES")
            text = NOTE.format(source=source) + text
        copies[copy] = text
    return copies


def stale(shared: Path, root: Path = ROOT) -> list[str]:
    """The copies that differ from what the shared folder holds now."""
    return [copy for copy, text in rendered(shared).items()
            if not (root / copy).is_file() or (root / copy).read_text(encoding="utf-8") != text]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared folder")
    parser.add_argument("--check", action="store_true", help="only report stale copies")
    args = parser.parse_args(argv)
    if not args.shared.is_dir():
        print(f"sync_docs: there is no shared folder at {args.shared}", file=sys.stderr)
        return 2
    if args.check:
        for copy in stale(args.shared):
            print(f"{copy} differs from the shared folder: run python scripts/sync_docs.py")
        return 1 if stale(args.shared) else 0
    for copy, text in rendered(args.shared).items():
        path = ROOT / copy
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {copy}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
