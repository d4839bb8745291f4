"""The safe exit by typing: a message that is only an exit word, in any of the four languages.

Only the whole message counts: "выход" leaves, "выход из гражданства" is a question about
leaving the country and goes to search.
"""

from __future__ import annotations

import unicodedata

EXIT_WORDS = frozenset({
    # English
    "exit", "quit", "stop", "leave", "close",
    # Russian, and as typed on a Latin keyboard
    "выход", "выйти", "выхожу", "стоп", "закрыть", "vyhod", "vykhod", "vihod", "vyiti", "viyti",
    # Kazakh, and with the Kazakh letters a Russian keyboard lacks
    "шығу", "шыгу", "шығамын", "тоқта", "токта", "shygu", "shyghu", "shigu",
    # Uzbek, Latin (with the apostrophe-free spelling) and Cyrillic
    "chiqish", "chiqmoq", "chikish", "toxta", "to'xta", "чиқиш", "чикиш", "тўхта", "тухта",
})

_QUOTES = str.maketrans({"ʻ": "'", "ʼ": "'", "‘": "'", "’": "'", "`": "'", "ё": "е"})


def normalise(text: str) -> str:
    """Lower case, quotes made one, and punctuation, symbols and spaces around it dropped."""
    folded = unicodedata.normalize("NFC", text).casefold().translate(_QUOTES)
    kept = "".join(ch for ch in folded
                   if ch == "'" or ch == " " or unicodedata.category(ch)[0] in "LN")
    return " ".join(kept.split()).strip("'")


def is_exit_word(text: str) -> bool:
    return normalise(text) in EXIT_WORDS
