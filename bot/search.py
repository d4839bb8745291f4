"""Search by typing: the screens that best match a question, from an index built per content load.

Pure: no I/O, no logging, and nothing from a query is kept: `search` reads the index and
returns hits; the index is never written after `build`.

Each screen (node) is one document holding its words in every language at once, since
people mix languages: a Kazakh speaker often types Russian. Fields are weighted: the search
words moderators and translators add (`keywords`) and the labels of the buttons that lead to
the screen count most, then its bold headline, then its body. Ranking is BM25F over the
terms of `bot.searchterms`, each typed word expanded to the index terms it may mean (its
stems in every language, words it is a beginning or an inflection of, and near spellings
through rapidfuzz), with the reader's language counted a little higher.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from bot.i18n import FALLBACKS, LANGUAGES, SOURCE_LANG, Catalogs
from bot.searchterms import (
    GREETING_TERMS,
    STOP_TERMS,
    STOP_WEIGHT,
    query_variants,
    terms,
    words,
)
from bot.tree.messages import keywords_msgid
from bot.tree.model import ROOT, Node, Tree

# Field weights and how much a long field dilutes each of its words (BM25F's b).
FIELDS: Mapping[str, tuple[float, float]] = MappingProxyType({
    "keywords": (3.0, 0.0),  # more search words must not weaken the others
    "label": (3.0, 0.3),
    "headline": (2.0, 0.5),
    "body": (1.0, 0.75),
})
K1 = 2.0
FULL_MATCH = 4.5  # a word's weight that counts as fully found: a keyword and half a label
OWN_LANGUAGE, NEXT_LANGUAGE, OTHER_LANGUAGE = 1.0, 0.9, 0.8
QUESTION_FACTOR = 0.9  # on a tie, the answer wins over the question that leads to it
MIN_SCORE = 0.3  # below this, a hit is noise: say "nothing found" instead
MIN_OF_BEST = 0.5  # a hit far below the best one only distracts
MAX_WORDS = 16
MAX_WORD = 30
MIN_AFFIX = 4  # a typed word and an index term may be a beginning of each other from here
MIN_AFFIX_SHARE = 0.5
UNKNOWN_DF = 4  # a word the index does not know weighs as one found on this many screens
_HEADLINE = re.compile(r"^\s*\*\*(.+?)\*\*", re.S)
_KEYWORD_SPLIT = re.compile(r"[,;\n]")


@dataclass(frozen=True, slots=True)
class Hit:
    node: str  # node id
    score: float  # higher is better, 0..1


@dataclass(frozen=True, slots=True)
class _Posting:
    doc: int
    lang: str
    weight: float  # field-weighted, length-normalised frequency of the term in that language


def _max_edits(length: int) -> int:
    """Typos allowed for a word of this length: none for short words, which would match
    everything; one in a short word, two in a long one."""
    if length < 5:
        return 0
    if length < 8:
        return 1
    if length < 12:
        return 2
    return 3


def _idf(df: int, docs: int) -> float:
    return math.log(1 + (docs - df + 0.5) / (df + 0.5))


def _saturate(weight: float) -> float:
    return weight * (K1 + 1) / (weight + K1)


@dataclass(frozen=True, slots=True)
class SearchIndex:
    docs: tuple[str, ...]
    answers: tuple[bool, ...]
    postings: Mapping[str, tuple[_Posting, ...]]
    sorted_terms: tuple[str, ...]
    near: Mapping[int, tuple[str, ...]]  # word length → index terms a typo away in length

    @classmethod
    def empty(cls) -> SearchIndex:
        return cls((), (), MappingProxyType({}), (), MappingProxyType({}))

    @classmethod
    def build(cls, tree: Tree, catalogs: Catalogs) -> SearchIndex:
        nodes = [node for node in tree.nodes.values() if node.id != ROOT]
        memo: dict[tuple[str, str], str] = {}
        fields = {node.id: _Fields(memo) for node in nodes}
        for node in nodes:
            for lang in LANGUAGES:
                fields[node.id].add_node(node, lang, catalogs)
        for parent in tree.nodes.values():
            for choice in parent.choices:
                if choice.target in fields:
                    for lang in LANGUAGES:
                        label = catalogs.find("content", lang, parent.id, choice.label)
                        if label:
                            fields[choice.target].add("label", lang, label)
        for info in tree.trees:
            if info.start in fields:
                for lang in LANGUAGES:
                    title = catalogs.find("content", lang, f"tree:{info.id}", info.title)
                    if title:
                        fields[info.start].add("label", lang, title)
        return cls._of([node.id for node in nodes], [node.is_answer for node in nodes],
                       [fields[node.id] for node in nodes])

    @classmethod
    def _of(cls, ids: list[str], answers: list[bool], docs: list[_Fields]) -> SearchIndex:
        lengths: dict[str, list[int]] = defaultdict(list)
        for doc in docs:
            for (field, _lang), found in doc.terms.items():
                lengths[field].append(len(found))
        average = {field: sum(sizes) / len(sizes) for field, sizes in lengths.items()}
        weights: dict[str, dict[tuple[int, str], float]] = defaultdict(lambda: defaultdict(float))
        for number, doc in enumerate(docs):
            for (field, lang), found in doc.terms.items():
                field_weight, b = FIELDS[field]
                norm = 1 - b + b * len(found) / average[field]
                for term in found:
                    weights[term][number, lang] += field_weight / norm
        postings = {term: tuple(_Posting(doc, lang, weight)
                                for (doc, lang), weight in sorted(per_doc.items()))
                    for term, per_doc in weights.items()}
        by_length: dict[int, list[str]] = defaultdict(list)
        for term in postings:
            if not term.isdigit():
                by_length[len(term)].append(term)
        longest = max(by_length, default=0)
        near = {size: tuple(term for other in range(size - _max_edits(size),
                                                    size + _max_edits(size) + 1)
                            for term in by_length.get(other, ()))
                for size in range(5, longest + 4)}
        return cls(tuple(ids), tuple(answers), MappingProxyType(postings),
                   tuple(sorted(postings)), MappingProxyType(near))

    # -- searching ---------------------------------------------------------------------

    def search(self, query: str, lang: str, limit: int = 5) -> tuple[Hit, ...]:
        """Best first; only hits good enough to show; () means "nothing found"."""
        if not self.docs or limit <= 0:
            return ()
        boost = _boosts(lang)
        bm25 = [0.0] * len(self.docs)  # BM25F: ranks
        shown = [0.0] * len(self.docs)  # each word's share of a full match: the score
        ideal = 0.0
        for word in words(query)[:MAX_WORDS]:
            word = word[:MAX_WORD]
            variants = query_variants(word)
            stop = not STOP_TERMS.isdisjoint(variants)
            if not GREETING_TERMS.isdisjoint(variants):
                matches = {}
            elif stop:  # a stop word counts only as typed: "nega" is no typo of a topic
                matches = self._exact(variants)
            else:
                matches = self._matches(variants)
            docs_hit = {p.doc for term in matches for p in self.postings[term]}
            # A word the index does not know weighs like a rare one, but not the rarest:
            # "borsam" (if I go) should not drown "elchixonaga" (to the embassy).
            idf = _idf(len(docs_hit) or UNKNOWN_DF, len(self.docs))
            if max(matches.values(), default=0.0) < 1.0:  # only a guess at what was meant
                idf = min(idf, _idf(UNKNOWN_DF, len(self.docs)))
            if stop:
                idf *= STOP_WEIGHT
            ideal += idf
            for doc, amount in self._amounts(matches, boost).items():
                bm25[doc] += idf * _saturate(amount)
                shown[doc] += idf * min(1.0, amount / FULL_MATCH)
        if ideal == 0:
            return ()
        # Equal scores (every word fully found) are told apart by BM25F, where an answer
        # beats the question that leads to it when they are close.
        ranked = sorted(
            ((round(min(1.0, shown[doc] / ideal), 4),
              bm25[doc] * (1.0 if self.answers[doc] else QUESTION_FACTOR), doc)
             for doc in range(len(self.docs)) if bm25[doc] > 0),
            key=lambda entry: (-entry[0], -entry[1], self.docs[entry[2]]))
        if not ranked or ranked[0][0] < MIN_SCORE:
            return ()
        floor = max(MIN_SCORE, MIN_OF_BEST * ranked[0][0])
        return tuple(Hit(self.docs[doc], score) for score, _, doc in ranked
                     if score >= floor)[:limit]

    def _amounts(self, matches: Mapping[str, float],
                 boost: Mapping[str, float]) -> dict[int, float]:
        """Per document, the weight of its best match for one typed word."""
        best: dict[int, float] = defaultdict(float)
        for term, similarity in matches.items():
            for posting in self.postings[term]:
                # The best language, not the sum: a screen says the same in all four.
                amount = posting.weight * boost[posting.lang] * similarity
                if amount > best[posting.doc]:
                    best[posting.doc] = amount
        return best

    def _exact(self, variants: set[str]) -> dict[str, float]:
        return {term: 1.0 for term in variants if term in self.postings}

    def _matches(self, variants: set[str]) -> dict[str, float]:
        """Index terms a typed word may mean, each with how sure (1 = the same term)."""
        found: dict[str, float] = {}

        def keep(term: str, similarity: float) -> None:
            if similarity > found.get(term, 0.0):
                found[term] = similarity

        for variant in variants:
            if variant in self.postings:
                keep(variant, 1.0)
            for term, similarity in self._affixes(variant):
                keep(term, similarity)
        if any(similarity == 1.0 for similarity in found.values()):
            return found  # a known word is not also a typo of another
        for variant in variants:
            for term, similarity in self._typos(variant):
                keep(term, similarity)
        return found

    def _affixes(self, variant: str) -> Iterator[tuple[str, float]]:
        """Terms that begin with the word, or with which the word begins: an inflection the
        stemmers missed ("zabral" and the stem "zabra"; Kazakh and Uzbek endings)."""
        if len(variant) < MIN_AFFIX or variant.isdigit():
            return
        for place in range(bisect_left(self.sorted_terms, variant), len(self.sorted_terms)):
            term = self.sorted_terms[place]
            if not term.startswith(variant):
                break
            if term != variant and len(variant) / len(term) >= MIN_AFFIX_SHARE:
                yield term, 0.5 + 0.5 * len(variant) / len(term)
        for size in range(MIN_AFFIX, len(variant)):
            head = variant[:size]
            if head in self.postings and size / len(variant) >= MIN_AFFIX_SHARE:
                yield head, 0.5 + 0.5 * size / len(variant)

    def _typos(self, variant: str) -> Iterable[tuple[str, float]]:
        edits = _max_edits(len(variant))
        if variant.isdigit():
            return ()
        if edits == 0:
            return self._missing_letter(variant)
        candidates = self.near.get(len(variant), ())
        close = process.extract(variant, candidates, scorer=OSA.distance, score_cutoff=edits,
                                limit=None)
        return ((term, 0.9 * (1 - distance / len(variant))) for term, distance, _ in close)


    def _missing_letter(self, variant: str) -> Iterable[tuple[str, float]]:
        """A four-letter word may only have lost a letter ("mony"): any other change to so
        short a word makes another word ("helo" is not "help")."""
        if len(variant) != 4:
            return ()
        close = process.extract(variant, self.near.get(5, ()), scorer=Indel.distance,
                                score_cutoff=1, limit=None)
        return ((term, 0.9 * 0.75) for term, _, _ in close if len(term) == 5)


def _boosts(lang: str) -> Mapping[str, float]:
    chain = FALLBACKS.get(lang, (SOURCE_LANG,))
    boost = dict.fromkeys(LANGUAGES, OTHER_LANGUAGE)
    if len(chain) > 1:
        boost[chain[1]] = NEXT_LANGUAGE
    boost[chain[0]] = OWN_LANGUAGE
    return boost


class _Fields:
    """One node's words while the index is built, per (field, language)."""

    def __init__(self, memo: dict[tuple[str, str], str]) -> None:
        self.memo = memo
        self.terms: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.seen: set[tuple[str, str, str]] = set()

    def add(self, field: str, lang: str, text: str) -> None:
        if (field, lang, text) in self.seen:  # "Find a lawyer" leads here from ten screens
            return
        self.seen.add((field, lang, text))
        self.terms[field, lang].extend(terms(text, lang, self.memo))

    def add_node(self, node: Node, lang: str, catalogs: Catalogs) -> None:
        text = catalogs.find("content", lang, node.id, node.text)
        if text:
            headline = _HEADLINE.match(text)
            if headline:
                self.add("headline", lang, headline.group(1))
                text = text[headline.end():]
            self.add("body", lang, text)
        for word in node.keywords.get(lang, ()):
            self.add("keywords", lang, word)
        english = node.keywords.get(SOURCE_LANG)
        if english and lang != SOURCE_LANG:
            translated = catalogs.find("content", lang, node.id, keywords_msgid(english))
            for word in _KEYWORD_SPLIT.split(translated or ""):
                if word.strip():
                    self.add("keywords", lang, word)


__all__ = ["Hit", "SearchIndex"]
