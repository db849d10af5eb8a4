"""Splitting a document into passages with exact source offsets.

The rules, in order (docs/passages.md explains them with the bundled article):
- Paragraphs are blocks of text separated by blank lines; one paragraph is one passage.
- A block of one short line with no closing punctuation, followed by more text, is a section heading:
  it is not a passage; the passages after it carry it as their `section`.
- Boilerplate is never a passage: a donation call-to-action ("Support ... journalism today and
  donate"), and a promotional section whose heading offers a service ("Workpermit.com can help
  with ..."), dropped up to the next heading.
- A paragraph over MAX_WORDS words is split at sentence boundaries into parts of at most that many
  words; the parts keep the paragraph's number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from .documents import Document

MAX_WORDS = 120
HEADING_MAX_WORDS = 10
HEADING_MAX_CHARS = 80

_BLOCK = re.compile(r"\S(?:.*?\S)?(?=[ \t]*\n[ \t]*\n|\s*\Z)", re.DOTALL)
_GAP = re.compile(r"\n[ \t]*\n")
_NON_SPACE = re.compile(r"\S")
_DONATION = re.compile(r"^support\b.{0,80}\bjournalism\b.{0,40}\bdonate\b", re.IGNORECASE)
_PROMO_HEADING = re.compile(r"^\S+\.(?:com|net|org|co\.uk|io)\b.{0,40}\bcan help\b", re.IGNORECASE)
_CLOSING = tuple(".!?:;,\"'\u201d\u2019)")


@dataclass(frozen=True)
class Passage:
    """A stretch of a document that can be quoted as an answer: text == file_text[start:end]."""

    doc_id: str
    path: str
    title: str
    section: str | None
    paragraph: int
    url: str | None
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...]  # sentence spans relative to `start`
    published: str | None = None  # the document's date, carried into citations
    updated: str | None = None  # the date of the document's last correction, carried into citations


def split_document(doc: Document, sentences: bool = True) -> list[Passage]:
    """Cut a document into passages following its paragraphs and section headings.

    sentences=False leaves `sentences` empty for passages that are whole paragraphs (the archive
    build computes them when a passage is shown: sentence splitting is most of a build's time).
    """
    blocks = text_blocks(doc.text, doc.body_start)
    passages: list[Passage] = []
    section: str | None = None
    in_promo = False
    paragraph = 0
    for i, (start, end) in enumerate(blocks):
        text = doc.text[start:end]
        if _DONATION.search(text):
            continue
        if _is_heading(text) and i + 1 < len(blocks):
            section = text.lstrip("#").strip()
            in_promo = bool(_PROMO_HEADING.search(section))
            if section.casefold().split() == doc.title.casefold().split():
                section = None  # a Markdown H1 repeating the title: citations would name it twice
            continue
        if in_promo:
            continue
        paragraph += 1
        for part_start, part_end, spans in _parts(doc.text, start, end, sentences):
            passages.append(
                Passage(
                    doc_id=doc.doc_id,
                    path=doc.path,
                    title=doc.title,
                    section=section,
                    paragraph=paragraph,
                    url=doc.url,
                    start=part_start,
                    end=part_end,
                    text=doc.text[part_start:part_end],
                    sentences=spans,
                    published=doc.published,
                    updated=doc.updated,
                )
            )
    return passages


def text_blocks(text: str, pos: int = 0) -> list[tuple[int, int]]:
    """The (start, end) of every match of _BLOCK in `text` from `pos`, found without it.

    _BLOCK is the definition; scanning it over a million passages takes about 40 s because its
    lazy loop tries the lookahead after every character. Here only the blank-line gaps are
    searched: a block ends before a gap that follows a non-space character (a test checks both
    give the same blocks).
    """
    ends = []
    for m in _GAP.finditer(text, pos):
        end = m.start()
        while end > pos and text[end - 1] in " \t":  # the spaces before the gap belong to it
            end -= 1
        if end > pos and not text[end - 1].isspace():
            ends.append(end)
    last = len(text.rstrip())
    ends.append(last)
    blocks: list[tuple[int, int]] = []
    for end in ends:
        first = _NON_SPACE.search(text, pos, end)
        # _BLOCK's optional tail is greedy: a one-character block is possible only at the end.
        if first is not None and (end - first.start() > 1 or end == last):
            blocks.append((first.start(), end))
            pos = end
    return blocks


def _is_heading(block: str) -> bool:
    if "\n" in block:
        return False
    if block.startswith("#"):
        return True
    return (
        len(block) <= HEADING_MAX_CHARS
        and len(block.split()) <= HEADING_MAX_WORDS
        and not block.endswith(_CLOSING)
    )


def _parts(
    text: str, start: int, end: int, sentences: bool = True
) -> list[tuple[int, int, tuple[tuple[int, int], ...]]]:
    """One paragraph as (start, end, sentence spans) parts of at most MAX_WORDS words."""
    if not sentences and len(text[start:end].split()) <= MAX_WORDS:
        # One part, the whole paragraph: its spans are sentence_spans(text[start:end]) later.
        return [(start, end, ())]
    spans = [(start + a, start + b) for a, b in sentence_spans(text[start:end])]
    parts: list[list[tuple[int, int]]] = [[]]
    words = 0
    for a, b in spans:
        n = len(text[a:b].split())
        if parts[-1] and words + n > MAX_WORDS:
            parts.append([])
            words = 0
        parts[-1].append((a, b))
        words += n
    out = []
    for group in parts:
        p_start, p_end = group[0][0], group[-1][1]
        out.append((p_start, p_end, tuple((a - p_start, b - p_start) for a, b in group)))
    return out


_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sen", "rep", "reps", "gov", "gen", "col", "lt", "st", "jr",
    "sr", "inc", "ltd", "co", "corp", "vs", "etc", "no", "jan", "feb", "mar", "apr", "jun", "jul",
    "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "d-ill", "r-ill", "d-n.y", "r-n.y",
    "d-calif", "r-calif", "d-tex", "r-tex", "d-fla", "r-fla", "d-mass", "d-n.j", "e.g", "i.e",
}


@cache
def _splitter() -> Any:
    # No downloaded Punkt model: an untrained Punkt plus known abbreviations ("Reps.",
    # "(D-Ill.)") splits news prose well and needs no data files.
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    params = PunktParameters()
    params.abbrev_types = set(_ABBREVIATIONS)
    return PunktSentenceTokenizer(params)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans of a paragraph, by nltk's Punkt with a list of news abbreviations."""
    spans = list(_splitter().span_tokenize(text))
    return spans or [(0, len(text))]
