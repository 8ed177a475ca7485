"""Mark a typed answer against key points, tolerating wording but not word lists.

Each key point has alternative phrases. A phrase is a few terms; a term may list
synonyms with ``|`` (``block|stall|freeze loop``). Both the phrases and the answer
are lowercased, split into words, stripped of filler words and lightly stemmed
(``blocks``, ``blocked``, ``blocking`` all read ``block``). A phrase matches when
every term appears within a few words of the others, so the words have to be said
together, as in a sentence. An answer that is a bare list of words (hardly any of
the small words sentences are made of) is credited with nothing: an interviewer
wants the idea explained.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Small words that carry no key idea. Negations, quantities (every, other, all) and
# "before"/"after"/"only" are kept: they do.
STOP_WORDS = frozenset(
    """a an the of to in on at for and or but nor is are was were be been being am it its
    this that these those with by as from into onto so then than there their theirs they them
    you your yours we our ours i he she his her do does did doing have has had having
    can could will would shall should may might must just also very what which who whom whose
    when where why how if while about some such one ones thing
    things get gets got like here both s t""".split()
)
WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)*", re.IGNORECASE)
BRITISH = re.compile(r"is(ation|ations|e|ed|es|ing|er|ers)$")
SALAD_MIN_WORDS = 8  # shorter answers are too short to judge their style
SALAD_STOP_SHARE = 0.2  # prose has 30-50 % small words, terse answers 25 %; a list of terms almost none


def stem(word: str) -> str:
    """A light stem, the same for every form: ``validates``, ``validated``, ``validation`` → ``valid``.

    Not a linguist's stemmer: it only has to give a word's usual forms one spelling,
    and phrases and answers go through the same function.
    """
    if len(word) <= 2 or not word.isalpha():
        return word
    word = BRITISH.sub(lambda m: "iz" + m.group(1), word)
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and not word.endswith("eed") and len(word) - len(suffix) >= 2:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # running → run, stopped → stop
            break
    for suffix in ("ation", "ion", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    if word.endswith("e") and len(word) >= 3:
        word = word[:-1]
    if word.endswith("at") and len(word) >= 7:
        word = word[:-2]  # validat(e) → valid, as validation
    return word


@dataclass(frozen=True)
class Token:
    """One content word of a text: its stem and where it stands in the original text."""

    stem: str
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    """The content words of ``text`` (filler words dropped), stemmed, with their character spans."""
    found: list[Token] = []
    for match in WORD.finditer(text):
        word = _plain(match.group())
        if word not in STOP_WORDS:
            found.append(Token(stem(word), match.start(), match.end()))
    return found


def _plain(word: str) -> str:
    word = word.lower().replace("’", "'")
    return word.removesuffix("'s").replace("'", "")  # httpx's → httpx, don't → dont


def filler_alternatives(phrase: str) -> list[str]:
    """The alternatives of ``phrase`` made only of filler words: the matcher never sees them."""
    return [option for term in phrase.split() for option in term.split("|") if option and not tokens(option)]


def term_alternatives(term: str) -> tuple[tuple[str, ...], ...]:
    """``block|stall`` → (("block",), ("stall",)); ``time.sleep`` → (("time", "sleep"),)."""
    options = []
    for option in term.split("|"):
        words = tuple(t.stem for t in tokens(option))
        if words:
            options.append(words)
    return tuple(options)


@dataclass(frozen=True)
class Phrase:
    """One way of saying a key point: terms that must all be said close together."""

    text: str
    terms: tuple[tuple[tuple[str, ...], ...], ...]

    @classmethod
    def parse(cls, text: str) -> Phrase:
        terms = tuple(options for options in (term_alternatives(t) for t in text.split()) if options)
        return cls(text, terms)

    @property
    def window(self) -> int:
        """How many content words the whole phrase may spread over."""
        return 3 * len(self.terms) + 2

    def find(self, words: Sequence[str]) -> tuple[int, int] | None:
        """The tightest span (first word, last word) of ``words`` holding every term, else None."""
        if not self.terms:
            return None
        spans = [_occurrences(options, words) for options in self.terms]
        if not all(spans):
            return None
        best: tuple[int, int] | None = None
        for start in sorted({s for found in spans for s, _ in found}):
            ends = [min((e for s, e in found if s >= start), default=None) for found in spans]
            if None in ends:
                break  # a term never occurs this late
            end = max(e for e in ends if e is not None)
            if end - start < self.window and (best is None or end - start < best[1] - best[0]):
                best = (start, end)
        return best


def _occurrences(options: tuple[tuple[str, ...], ...], words: Sequence[str]) -> list[tuple[int, int]]:
    found = []
    for option in options:
        size = len(option)
        for index in range(len(words) - size + 1):
            if tuple(words[index : index + size]) == option:
                found.append((index, index + size - 1))
    return found


@dataclass(frozen=True)
class Point:
    """A fact a good answer holds, and the phrases that count as saying it."""

    say: str
    phrases: tuple[Phrase, ...]

    @classmethod
    def of(cls, say: str, phrases: Sequence[str]) -> Point:
        return cls(say, tuple(Phrase.parse(p) for p in phrases))


@dataclass(frozen=True)
class Mark:
    """One key point, covered or not, and the learner's words that covered it."""

    point: Point
    covered: bool
    evidence: str = ""


@dataclass(frozen=True)
class Marking:
    """The verdict on one answer: a mark per key point, and a note when the answer was a word list."""

    marks: tuple[Mark, ...]
    note: str = ""

    @property
    def covered(self) -> int:
        return sum(1 for mark in self.marks if mark.covered)

    @property
    def total(self) -> int:
        return len(self.marks)

    @property
    def share(self) -> float:
        return self.covered / self.total if self.total else 0.0


def looks_like_a_word_list(answer: str) -> bool:
    """Hardly any small words among many: terms listed rather than an idea explained."""
    words = [_plain(word) for word in WORD.findall(answer)]
    if len(words) < SALAD_MIN_WORDS:
        return False
    small = sum(1 for word in words if word in STOP_WORDS)
    return small / len(words) < SALAD_STOP_SHARE


def mark(answer: str, points: Sequence[Point]) -> Marking:
    """Mark ``answer`` against each of ``points``."""
    if looks_like_a_word_list(answer):
        note = "This reads like a list of words. Say it in sentences, as you would to an interviewer."
        return Marking(tuple(Mark(point, False) for point in points), note)
    found = tokens(answer)
    words = [t.stem for t in found]
    marks = []
    for point in points:
        evidence = ""
        for phrase in point.phrases:
            span = phrase.find(words)
            if span is not None:
                evidence = answer[found[span[0]].start : found[span[1]].end]
                break
        marks.append(Mark(point, bool(evidence), evidence))
    return Marking(tuple(marks))


def suggested_rating(marking: Marking) -> int:
    """The recall rating the marks suggest (1 again, 2 hard, 3 good); easy is the learner's call."""
    if marking.share < 0.5:
        return 1
    if marking.share < 0.8:
        return 2
    return 3
