"""Benchmark corpora: SciFact sentences recombined into news-like documents, deterministically.

The SciFact files are copied into bench/data/ (git-ignored: the data set is not redistributed with
the project) and every corpus is generated from them with a fixed seed, so two runs on any machine
index the same passages and ask the same questions.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SCIFACT_SOURCE = HERE.parent.parent / "shared" / "data" / "scifact"
GENERATOR_VERSION = 1
DOCS_PER_SHARD = 500
_SENTENCE = re.compile(r"\S.*?[.!?](?=\s+[A-Z(]|\s*$)", re.DOTALL)


def copy_scifact(source: Path = SCIFACT_SOURCE) -> Path:
    """The data step: copy SciFact's corpus and queries into bench/data/scifact/."""
    target = DATA / "scifact"
    target.mkdir(parents=True, exist_ok=True)
    for name in ("corpus.jsonl", "queries.train.jsonl"):
        if not (target / name).is_file():
            if not (source / name).is_file():
                raise SystemExit(f"bench: no {name} in {source}; set --scifact to its folder")
            shutil.copyfile(source / name, target / name)
    return target


def sentences_and_titles(scifact: Path) -> tuple[list[str], list[str]]:
    """Whole sentences (4+ words, closing punctuation) and titles of the SciFact abstracts."""
    sentences: list[str] = []
    titles: list[str] = []
    with open(scifact / "corpus.jsonl", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            titles.append(" ".join(record["title"].split()))
            for match in _SENTENCE.finditer(record["text"]):
                sentence = " ".join(match.group().split())
                if len(sentence.split()) >= 4:
                    sentences.append(sentence)
    return sentences, titles


def questions(scifact: Path) -> list[str]:
    """SciFact's training queries, in file order: real questions about the same material."""
    with open(scifact / "queries.train.jsonl", encoding="utf-8") as lines:
        return [json.loads(line)["text"] for line in lines]


def make_corpus(passages: int, scifact: Path, seed: int = 5) -> Path:
    """A folder of .jsonl shards holding exactly `passages` paragraphs (one passage each)."""
    folder = DATA / f"corpus-{passages}"
    stamp = folder / ".generated"
    wanted = json.dumps({"passages": passages, "seed": seed, "version": GENERATOR_VERSION})
    if stamp.is_file() and stamp.read_text() == wanted:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    sentences, titles = sentences_and_titles(scifact)
    rng = random.Random(seed)
    made = doc_no = 0
    shard: list[str] = []
    while made < passages:
        paragraphs = []
        for _ in range(min(rng.randint(3, 14), passages - made)):
            paragraph = [rng.choice(sentences)]
            for _ in range(rng.randint(0, 3)):
                extra = rng.choice(sentences)
                if len(" ".join(paragraph).split()) + len(extra.split()) > 110:
                    break
                paragraph.append(extra)
            paragraphs.append(" ".join(paragraph))
        made += len(paragraphs)
        day = 1 + doc_no % 28
        shard.append(json.dumps({
            "_id": f"a{doc_no:07d}",
            "title": rng.choice(titles),
            "text": "\n\n".join(paragraphs),
            "url": f"https://news.example/{doc_no}",
            "published": f"2024-{1 + doc_no % 12:02d}-{day:02d}",
        }))
        doc_no += 1
        if len(shard) == DOCS_PER_SHARD:
            _write_shard(folder, shard)
            shard = []
    if shard:
        _write_shard(folder, shard)
    stamp.write_text(wanted)
    return folder


def change_one_document(folder: Path) -> tuple[Path, str]:
    """Edit one document of the middle shard (for the one-document-changed rebuild).

    Returns the shard and its original text: put it back with `restore` so the corpus stays the
    generated one for the next run.
    """
    shards = sorted(folder.glob("shard-*.jsonl"))
    shard = shards[len(shards) // 2]
    original = shard.read_text(encoding="utf-8")
    lines = original.splitlines()
    record = json.loads(lines[0])
    record["text"] += "\n\nThis paragraph was added to measure a rebuild after one change."
    lines[0] = json.dumps(record)
    shard.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return shard, original


def single_file(passages: int, scifact: Path, seed: int = 5) -> Path:
    """The corpus of `make_corpus(passages)` as ONE .jsonl file (a newsroom's archive export),
    written by streaming the shards into it (never held in memory)."""
    shards = make_corpus(passages, scifact, seed)
    folder = DATA / f"single-{passages}"
    target = folder / "archive.jsonl"
    stamp = folder / ".generated"
    wanted = (shards / ".generated").read_text()
    if stamp.is_file() and stamp.read_text() == wanted and target.is_file():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    with open(target, "wb") as out:
        for shard in sorted(shards.glob("shard-*.jsonl")):
            with open(shard, "rb") as part:
                shutil.copyfileobj(part, out, 1 << 20)
    stamp.write_text(wanted)
    return folder


def append_documents(file: Path, count: int, scifact: Path, seed: int = 6) -> int:
    """Append `count` new documents (same generator, other seed, new ids) to a .jsonl file; returns
    the file's size before, for `truncate_to` to undo it."""
    size = file.stat().st_size
    sentences, titles = sentences_and_titles(scifact)
    rng = random.Random(seed)
    lines = []
    for n in range(count):
        paragraphs = [" ".join(rng.choice(sentences) for _ in range(rng.randint(1, 4)))
                      for _ in range(rng.randint(3, 14))]
        lines.append(json.dumps({"_id": f"z{n:07d}", "title": rng.choice(titles), "text": "\n\n".join(paragraphs),
                                 "url": f"https://news.example/z{n}", "published": "2025-01-01"}))
    with open(file, "a", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    return size


def truncate_to(file: Path, size: int) -> None:
    """Undo `append_documents`."""
    with open(file, "r+b") as out:
        out.truncate(size)


def restore(shard: Path, original: str) -> None:
    """Undo `change_one_document`."""
    shard.write_text(original, encoding="utf-8")


def _write_shard(folder: Path, shard: list[str]) -> None:
    number = len(list(folder.glob("shard-*.jsonl")))
    (folder / f"shard-{number:05d}.jsonl").write_text("\n".join(shard) + "\n", encoding="utf-8")
