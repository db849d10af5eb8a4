"""The console front end: the `chat` REPL and one-shot `ask` (text or JSON lines)."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from .answer import MAX_RESULTS, NO_QUESTION, Answer, Answerer
from .followup import Conversation
from .render import citation_line, section_to_terminal, to_json, to_terminal, wrap
from .service import Service

HISTORY_FILE = Path.home() / ".qabot_history"
HELP = """Type a question and press Enter. Commands:
  :more    the next results for the last question
  :src N   the whole section around result N, with its file and link
  :why     which words of the last question matched, which were not found, and
           the closest passages when nothing was found
  :help    this help
  :quit    leave (Ctrl-D and Ctrl-C work too)
Under each result: Title - Section, para N; para N is the paragraph's number in
the article."""
PASSAGE_LINES = 4  # in the chat a passage shows this many lines: the answer stays on one screen
CLOSEST = 3  # passages :why shows when nothing was found


def terminal_width(out: TextIO) -> int | None:
    """The terminal's width in columns when `out` is one; None (lines left whole) for pipes."""
    return shutil.get_terminal_size().columns if out.isatty() else None


def ask(
    answerer: Answerer, questions: Iterable[str], k: int, as_json: bool, out: TextIO
) -> int:
    """Answer each question in turn; print text blocks or one JSON object per line."""
    bold = out.isatty() and not as_json
    width = terminal_width(out)
    for question in questions:
        answer = answerer.answer(question, k)
        if as_json:
            out.write(json.dumps(to_json(answer), ensure_ascii=False) + "\n")
        else:
            out.write(to_terminal(answer, bold=bold, width=width) + "\n\n")
        out.flush()
    return 0


def stdin_questions(stream: TextIO) -> Iterable[str]:
    """Non-empty lines of `stream`, one question each."""
    for line in stream:
        if line.strip():
            yield line.rstrip("\n")


class Chat:
    """The REPL's state: the last answer and how far the user has paged through it."""

    def __init__(self, answerer: Answerer, k: int, out: TextIO, width: int | None = None) -> None:
        self.answerer = answerer
        self.k = k
        self.out = out
        self.bold = out.isatty()
        self.width = width
        self.answer: Answer | None = None
        self.answered_by = answerer  # a reload between lines must not change what :src and :why read
        self.shown = 0
        self.conversation = Conversation()  # follow-ups ("and why?") read against the last answer

    def handle(self, line: str) -> bool:
        """Act on one input line; False means leave."""
        text = line.strip()
        if not text:
            return True
        if text.startswith(":"):
            return self._command(text)
        self.answered_by = self.answerer
        self.answer = self.answerer.answer(text, MAX_RESULTS, context=self.conversation.context())
        self.conversation.record(self.answer)
        self.shown = 0
        if not self.answer.results:
            self._print(to_terminal(self.answer, self.bold, width=self.width))
            return True
        self._page()
        return True

    def _page(self) -> None:
        assert self.answer is not None
        page = self.answer.results[self.shown : self.shown + self.k]
        self.shown += len(page)
        self._print(to_terminal(self.answer, self.bold, page, self.width, PASSAGE_LINES))
        left = len(self.answer.results) - self.shown
        if left > 0:
            self._print(f"({left} more: type :more)")

    def _command(self, text: str) -> bool:
        name, _, arg = text.partition(" ")
        if name in (":quit", ":q", ":exit"):
            return False
        if name in (":help", ":h", ":?"):
            self._print(HELP)
        elif name not in (":more", ":src", ":why"):
            self._print(f"Unknown command {name}; type :help.")
        elif self.answer is None:
            self._print("Ask a question first.")
        elif name == ":why":
            self._why()
        elif not self.answer.results:
            self._print("The last question found nothing to show; :why says what was searched.")
        elif name == ":more":
            if self.shown >= len(self.answer.results):
                self._print("No more results for this question.")
            else:
                self._page()
        else:
            self._source(arg)
        return True

    def _source(self, arg: str) -> None:
        assert self.answer is not None
        try:
            rank = int(arg)
        except ValueError:
            self._print("Usage: :src N, where N is a result number such as 1.")
            return
        if not 1 <= rank <= self.shown:
            choose = "type :src 1" if self.shown == 1 else f"choose 1 to {self.shown}"
            self._print(f"There is no result {rank} on screen; {choose}.")
            return
        result = self.answer.results[rank - 1]
        section = self.answered_by.section(result.passage_id)
        self._print(section_to_terminal(section, rank, self.width))

    def _why(self) -> None:
        """What was searched and how the results matched; after "nothing found", the closest
        passages, which the confidence gate kept back."""
        answer = self.answer
        assert answer is not None
        if answer.status == NO_QUESTION:
            self._print("The last question had no words to search for: only words such as “the” or “is”.")
            return
        lines = [f"Searched for: {', '.join(answer.terms)}"]
        if answer.corrections:
            lines.append(answer.showing_results_for or "")
        if answer.unmatched:
            lines.append(f"Not in any passage: {', '.join(answer.unmatched)}")
        lines.append(f"Confidence: {answer.confidence:.2f} (share of the question's weight the top passage covers)")
        results = answer.results[: max(self.shown, 1)]
        if not results:
            results = self.answered_by.answer(answer.question, CLOSEST, gate=False).results
            lines.append(
                "Closest passages (too weak to answer with):" if results else "No passage holds any of these words."
            )
        for result in results:
            matched = ", ".join(result.matched) or "nothing"
            lines.append(f"[{result.rank}] matched: {matched} (score {result.score:.2f})")
            if not answer.results:
                lines.append(f"    {citation_line(result.citation)}: “{result.sentence.strip()}”")
        self._print("\n".join(line for text in lines for line in wrap(text, self.width, "", "    ")))

    def _print(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()


def chat(
    answerer: Answerer,
    k: int,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
    service: Service | None = None,
) -> int:
    """Run the REPL until :quit, Ctrl-D or Ctrl-C; a rebuilt index is picked up between lines."""
    session = Chat(answerer, k, out, terminal_width(out))
    interactive = stdin.isatty()
    if interactive:
        _start_history()
    out.write("Ask a question about the articles (:help for commands, :quit to leave).\n")
    try:
        while True:
            try:
                line = input("? ") if interactive else stdin.readline()
            except EOFError:
                break
            if not interactive and line == "":
                break
            if service is not None:
                # Checked between lines, not by a thread, so a notice never cuts into typing.
                change = service.check()
                if change is not None:
                    session.answerer = service.answerer
                    out.write(f"({change[1]})\n")
            if not session.handle(line):
                break
    except KeyboardInterrupt:
        pass
    finally:
        if interactive:
            _save_history()
    out.write("\nBye.\n")
    return 0


def _start_history() -> None:
    try:
        import readline  # line editing and history for input(); absent on some platforms
    except ImportError:
        return
    try:
        readline.read_history_file(HISTORY_FILE)
    except OSError:
        pass
    readline.set_history_length(1000)


def _save_history() -> None:
    try:
        import readline
    except ImportError:
        return
    try:
        readline.write_history_file(HISTORY_FILE)
    except OSError:
        pass
