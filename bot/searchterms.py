"""How text becomes search terms, the same way for the content and for what a person types.

Every word ends up as folded Latin letters, so Russian typed in Latin ("pasport zabral"),
Uzbek in Cyrillic or Latin with any apostrophe, and Kazakh typed without its own letters all
meet the content's words in one form:

1. NFKC and lower case; every apostrophe variant dropped (Uzbek oʻ gʻ become o g).
2. Kazakh letters folded to their plain Cyrillic neighbours (ә→а … і→и), Uzbek ў→о (so it
   meets Latin oʻ; anyascii reads ў as Belarusian u).
3. Stemming in the word's own script: Snowball for Russian and English; for Kazakh and
   Uzbek, which Snowball lacks, a documented strip of their common endings (below).
4. anyascii transliterates to ASCII, then a short table folds the spellings people use
   for one sound into one: zh/j, kh/x/h, ts/c, q/k, w/v, doubled letters. (y stays
   apart from i: it ends Kazakh and Uzbek stems such as қалай, qanday, and an ending -i
   must not be read there.)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator

import snowballstemmer
from anyascii import anyascii

APOSTROPHES = "'`´ʹʻʼʽʾʿˈ‘’‛′"
# Dropped before NFKC, which would turn ´ into a space and a combining accent.
_NO_APOSTROPHES = str.maketrans(dict.fromkeys(APOSTROPHES + "\u0301"))
_FOLD_LETTERS = str.maketrans({
    # Kazakh typed on a Russian keyboard: the plain letter nearest each special one.
    "ә": "а", "ө": "о", "ү": "у", "ұ": "у", "қ": "к", "ғ": "г", "ң": "н", "һ": "х", "і": "и",
    # Uzbek Cyrillic: ў is Latin oʻ; ҳ and х meet in step 4 anyway.
    "ў": "о", "ҳ": "х",
})
_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[а-яё]")
# One sound, many spellings; longest first, so "shch" is read before "sh" and "ch".
_SPELLINGS = (("shch", "sh"), ("sch", "sh"), ("zh", "j"), ("kh", "h"), ("gh", "g"),
              ("x", "h"), ("ts", "c"), ("q", "k"), ("w", "v"))
_DOUBLED = re.compile(r"(.)\1+")
_NOT_ASCII_WORD = re.compile(r"[^a-z0-9]")

Stemmer = Callable[[str], str]


def words(text: str) -> list[str]:
    """The words of a text, lower-case and folded, still in their own script."""
    plain = unicodedata.normalize("NFKC", text.translate(_NO_APOSTROPHES))
    folded = plain.lower().translate(_FOLD_LETTERS)
    return _WORD.findall(folded)


def is_cyrillic(word: str) -> bool:
    return _CYRILLIC.search(word) is not None


def latin(word: str) -> str:
    """A word as folded ASCII letters and digits: the form every term is compared in."""
    ascii_word = _NOT_ASCII_WORD.sub("", anyascii(word).lower())
    for spelling, sound in _SPELLINGS:
        ascii_word = ascii_word.replace(spelling, sound)
    # "passport" and "pasport" meet; a short word keeps its letters ("oon" is not "on").
    return _DOUBLED.sub(r"\1", ascii_word) if len(ascii_word) > 4 else ascii_word


def _snowball(language: str) -> Stemmer:
    def stem(word: str) -> str:
        # A fresh stemmer each time (about a microsecond): a Snowball stemmer object holds
        # the last word it stemmed, and one shared object would be raced by a reload
        # building in a thread while a search runs.
        return str(snowballstemmer.stemmer(language).stemWord(word))

    return stem


_RUSSIAN = _snowball("russian")
_ENGLISH = _snowball("english")

def _ending_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Kazakh and Uzbek endings, written as they look after `latin` (Kazakh ды/ті are "dy"/"ti",
# ң is "n"; Uzbek -ning is "ning"). Both languages add endings in a fixed order (plural,
# possessive, case; or tense, person, question), so stripping the longest known ending up to
# three times from the end reaches the stem ("pasportymdy" → "pasportym" → "pasport"), as
# long as MIN_STEM letters are left.
_KAZAKH_ENDINGS = _ending_set("""
    lar ler dar der tar ter lary leri dary deri tary teri
    ym im yn in y i sy si myz miz nyz niz ymyz imiz ynyz iniz
    nyn nin dyn din tyn tin ga ge ka ke na ne dy di ty ti ny ni
    da de ta te nda nde dan den tan ten nan nen men ben pen
    gan gen kan ken u yp ip myn min syn sin mady medi maydy meydi ady edi ydy idi ayn eyin
    ma me ba be pa pe
""")
_UZBEK_ENDINGS = _ending_set("""
    lar lari
    im ing i si imiz ingiz miz ngiz
    ni ning ga ka da dan dagi gacha
    di dim ding dik dingiz dilar gan kan mok mokda yapti yapman man san siz
    adi aman ishdi ishadi ish ib sam sang sak sangiz sa ay mokchi
    mi chi
""")
MIN_STEM = 3
_LONGEST_ENDING = 6


def strip_endings(word: str, endings: frozenset[str]) -> str:
    for _ in range(3):
        for size in range(min(_LONGEST_ENDING, len(word) - MIN_STEM), 0, -1):
            if word[-size:] in endings:
                word = word[:-size]
                break
        else:
            break
    return word


def kazakh_stem(word: str) -> str:
    return strip_endings(latin(word), _KAZAKH_ENDINGS)


def uzbek_stem(word: str) -> str:
    return strip_endings(latin(word), _UZBEK_ENDINGS)


def russian_stem(word: str) -> str:
    return latin(_RUSSIAN(word))


def english_stem(word: str) -> str:
    return latin(_ENGLISH(word))


def content_term(word: str, lang: str) -> str:
    """The one term a content word of a known language is indexed under."""
    if word.isdigit():
        return word
    if lang == "kk":
        return kazakh_stem(word)
    if lang == "uz":
        return uzbek_stem(word)
    # A Latin name in Russian text (UNHCR, egov) or a Russian quote in English text.
    return russian_stem(word) if is_cyrillic(word) else english_stem(word)


def query_variants(word: str) -> set[str]:
    """Every term a typed word may stand for: the reader's language is not known from the
    word, so it is stemmed every way its script allows. Nothing here is cached or kept."""
    if word.isdigit():
        return {word}
    plain = latin(word)
    found = {plain, strip_endings(plain, _KAZAKH_ENDINGS), strip_endings(plain, _UZBEK_ENDINGS)}
    found.add(russian_stem(word) if is_cyrillic(word) else english_stem(word))
    found.discard("")
    return found


def terms(text: str, lang: str, memo: dict[tuple[str, str], str]) -> Iterator[str]:
    """A content text's terms; `memo` spares stemming a word twice in one build."""
    for word in words(text):
        term = memo.get((word, lang))
        if term is None:
            term = memo[word, lang] = content_term(word, lang)
        if term:
            yield term


# Words that carry little on their own: they still count, at STOP_WEIGHT, so "what to do"
# finds "What to do today", but "hello how are you" cannot ride on "how" and "you".
STOP_WEIGHT = 0.2
_STOP_WORDS = """
    i me my mine a an the to is am are was were be been of in on at for and or it its do does
    did can could what how where when why who you your he she they them we our us this that with
    not no please will would should there here have has had get got need want im cant dont
    didnt wont
    я мне меня мой моя мои моё мое у в во на и а но не нет что как где куда когда почему это с
    со по
    за к ко от до из ли же бы то для о об он она они мы вы ты его её ее их есть был была были
    пожалуйста можно нужен нужна нужно хочу хотят дела
    мен менің маған мені сен сіз ол олар біз және не қалай қайда қашан неге бұл осы да де ма
    ме ба бе па
    пе керек өтінемін болады
    men mening menga meni sen siz u ular biz va bilan nima qanday qayerda qayerga qachon nega
    bu shu ham mi kerak
    iltimos edi boʻladi boʻladimi mumkin mumkinmi
"""
STOP_TERMS = frozenset(latin(word) for word in words(_STOP_WORDS))
# Greetings and thanks say nothing about a topic, and no screen should be found by one: they
# count as words the index does not know, so "hello how are you" finds nothing.
_GREETINGS = """
    hello hi hey привет здравствуйте здрасте салам сәлем сәлеметсіз сәлеметсізбе қалайсың
    қалайсыз salom assalomu alaykum qalaysan qalaysiz thanks thank спасибо рахмет rahmat
"""
GREETING_TERMS = frozenset(latin(word) for word in words(_GREETINGS))
