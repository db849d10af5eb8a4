"""`qabot`: the command line. Errors become one line on stderr and a non-zero exit code here."""

from __future__ import annotations

import argparse
import getpass
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from index import (
    ENGINES,
    IndexCorruptError,
    IndexMissingError,
    QabotIndexError,
    build_index,
    describe,
    index_paths,
    load_or_build,
    plan_rebuild,
    recorded_roots,
    warnings,
)

from .config import Settings, load_settings
from .errors import EXIT_INTERRUPTED, EXIT_USAGE, ConfigError, QabotError, StartError
from .follow.commands import add_commands as add_follow_commands

DOCS_HELP = ("docs folders or files; none: the folders the index was built from "
             "(a first build: {default})")
OUT_HELP = ("the index: a folder that holds everything it needs (or a .json file, with a <name>.d "
            "folder beside it); default {default}")
ENGINE_HELP = "bm25: rank-bm25 (small); archive: sparse arrays (big); auto (default) picks by size"
EVAL_ARTICLES = Path("docs/eval/articles")  # the evaluation's other real articles (SOURCES.md there)


def _notify(message: str) -> None:
    print(message, file=sys.stderr)


def _answerer(settings: Settings, index_path: Path | None, quiet: bool = False):  # noqa: ANN202 - Answerer, imported late
    """The answer pipeline over the index (rebuilt first from its own folders when they changed;
    the configured docs folders only seed a first build of the default index)."""
    from .answer import Answerer
    from .build_progress import ProgressBar

    bar = ProgressBar(quiet)
    try:
        if index_path is None:
            index = load_or_build(settings.index_path, settings.docs_dirs, _notify, bar, settings.semantic)
        else:
            # Plain `qabot index` writes to QABOT_INDEX, not to --index: messages name the command that does.
            command = " ".join(
                ["qabot index", *(shlex.quote(d.as_posix()) for d in settings.docs_dirs),
                 "--out", shlex.quote(index_path.as_posix())]
            )
            try:
                index = load_or_build(index_path, None, _notify, bar, settings.semantic)
            except IndexMissingError:
                raise IndexMissingError(f"no index at {index_path}; build it with `{command}`") from None
            except IndexCorruptError as err:
                raise IndexCorruptError(str(err).replace("`qabot index`", f"`{command}`")) from None
    finally:
        bar.close()
    return Answerer(index, encoder=settings.semantic)


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    """Rebuild the index from the given folders (none: those it was built from); print what is done,
    the warnings and the summary. A failed build leaves the previous index serving, and says so."""
    from .build_progress import ProgressBar

    out = args.out or settings.index_path
    roots, plan = plan_rebuild(out, list(args.docs), settings.docs_dirs)
    if not args.quiet:
        print(plan, file=sys.stderr)
    bar = ProgressBar(args.quiet)
    try:
        # QABOT_SEMANTIC=off: no vectors unless --semantic asks for them.
        semantic = args.semantic if args.semantic is not None else (None if settings.semantic else False)
        summary = build_index(roots, out, args.engine, bar, semantic)
    except QabotIndexError as err:
        raise QabotError(f"{err}; {_previous(out)}", command="index") from None
    except OSError as err:
        raise QabotError(f"cannot write {out} ({err.strerror or err}); {_previous(out)}", command="index") from None
    except KeyboardInterrupt:
        raise QabotError(f"interrupted; {_previous(out)}", EXIT_INTERRUPTED, command="index") from None
    finally:
        bar.close()
    for line in warnings(summary):
        print(line, file=sys.stderr)
    print(describe(summary))
    return 0


def _previous(out: Path) -> str:
    if index_paths(out).file.exists():
        return f"the previous index at {out} is unchanged and still serving"
    return "no index was written"


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    """Answer one question (or one per stdin line) and exit."""
    from .console import ask, stdin_questions

    answerer = _answerer(settings, args.index, args.quiet)
    if not answerer.semantic and settings.semantic:
        _notify(answerer.mode())  # scripts hear of a degraded ranking; the normal case stays quiet
    questions = [args.question] if args.question is not None else stdin_questions(sys.stdin)
    return ask(answerer, questions, args.top_k or settings.top_k, args.json, sys.stdout)


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    """The interactive console; it picks up a rebuilt index before the next question."""
    from .console import chat
    from .service import Service

    answerer = _answerer(settings, args.index, args.quiet)
    _notify(answerer.mode())
    index_path = args.index or settings.index_path
    service = Service(answerer, index_path)
    feedback = _feedback(settings, index_path)
    try:
        k = args.top_k or settings.top_k
        return chat(answerer, k, service=service, feedback=feedback, user=getpass.getuser())
    finally:
        if feedback is not None:
            feedback.close()


def _feedback(settings: Settings, index_path: Path):  # noqa: ANN202 - FeedbackRecorder | None, imported late
    """The feedback recorder, or None when it is switched off or its database cannot be used
    (then the chat still answers, and says why votes are not kept)."""
    if not settings.feedback:
        return None
    from .feedback import FeedbackError, FeedbackRecorder

    try:
        return FeedbackRecorder.open(index_path, settings.store_questions, settings.retention_days)
    except (FeedbackError, OSError) as err:
        _notify(f"qabot: questions and votes are not recorded: {err}")
        return None


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    """What readers asked and did not find, what they rated down: text, or streamed JSON / CSV."""
    import time

    from .feedback import report

    now = time.time()
    try:
        since = report.parse_since(args.since, now)
    except ValueError as err:
        raise QabotError(str(err), EXIT_USAGE, command="report") from None
    conn = report.open_database(args.index or settings.index_path, settings.retention_days, now)
    try:
        if args.json:
            report.write_json(conn, since, sys.stdout)
        elif args.csv:
            report.write_csv(conn, since, sys.stdout)
        else:
            report.write_text(conn, since, sys.stdout)
    finally:
        conn.close()
    return 0


def cmd_sources(args: argparse.Namespace, settings: Settings) -> int:
    """List the documents the index holds, a page at a time."""
    import json

    from .render import sources_to_terminal

    page = _answerer(settings, args.index, args.quiet).sources(args.offset, args.limit)
    if args.json:
        print(json.dumps({
            "total": page.total,
            "offset": page.offset,
            "next_offset": page.next_offset,
            "documents": [
                {"doc_id": d.doc_id, "title": d.title, "published": d.published, "updated": d.updated, "url": d.url,
                 "path": d.path, "passages": d.passages}
                for d in page.documents
            ],
        }, ensure_ascii=False))
    else:
        print(sources_to_terminal(page))
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Score the answers against an evaluation set, or a BEIR benchmark with --beir."""
    if args.beir is not None:
        from .beir import run_beir

        # A separate index, kept inside the main index's folder.
        index_path = args.index or index_paths(settings.index_path).home / f"beir-{args.beir.resolve().name}"
        try:
            return run_beir(args.beir, index_path, sys.stdout, settings.semantic)
        except FileNotFoundError as err:
            raise QabotError(f"eval: {err}", EXIT_USAGE) from None
    if args.loao:
        return _loao(args, settings)
    from .evaluate import run_eval

    return run_eval(_answerer(settings, args.index), args.file, sys.stdout)


def _loao(args: argparse.Namespace, settings: Settings) -> int:
    """`qabot eval --loao`: leave-one-article-out over the bundled article and docs/eval/articles."""
    from .evaluate import load_questions
    from .tuning import run_loao

    roots = [*settings.docs_dirs, EVAL_ARTICLES]
    index = load_or_build(args.index or index_paths(settings.index_path).home / "eval-loao", roots, _notify)
    files = list(args.questions) or [Path("docs/eval/article.jsonl"), Path("docs/eval/news.jsonl")]
    questions = [q for f in files for q in load_questions(f)]
    unseen = [q for f in args.unseen for q in load_questions(f)]
    run_loao(index, questions, sys.stdout, unseen)
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """The Telegram bot when a token is configured, otherwise the console chat."""
    if settings.token:
        return cmd_telegram(args, settings)
    # The index answers from the folders it was built from; the configured ones only seed a first build.
    folders = recorded_roots(settings.index_path) or settings.docs_dirs
    docs = ", ".join(p.as_posix() for p in folders)
    print(f"No TELEGRAM_BOT_TOKEN in the environment or .env: starting the console chat over {docs}.")
    args.index = None
    args.top_k = None
    args.quiet = False
    return cmd_chat(args, settings)


def cmd_telegram(args: argparse.Namespace, settings: Settings) -> int:
    """Run the Telegram bot."""
    try:
        from .telegram.app import run_bot, webhook
    except ImportError:
        raise StartError("the Telegram front end is not installed in this build", EXIT_USAGE) from None
    hook = webhook(
        settings, getattr(args, "webhook_url", None), getattr(args, "listen", None), getattr(args, "port", None)
    )
    run_bot(settings, hook)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The `qabot` argument parser."""
    parser = argparse.ArgumentParser(
        prog="qabot", description="Answers questions about news articles with cited passages."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    quiet = argparse.ArgumentParser(add_help=False)
    quiet.add_argument("--quiet", action="store_true",
                       help="no progress bar on stderr (and for `index`, no line saying what it rebuilds)")

    p = sub.add_parser("run", help="the Telegram bot if a token is set, else the console chat")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("index", parents=[quiet], help="rebuild the index from the docs folder(s)")
    p.add_argument("docs", nargs="*", type=Path,
                   help=DOCS_HELP.format(default="QABOT_DOCS or docs/articles"))
    p.add_argument("--out", type=Path, help=OUT_HELP.format(default="QABOT_INDEX or .qabot"))
    p.add_argument("--engine", choices=ENGINES, default="auto", help=ENGINE_HELP)
    p.add_argument(
        "--semantic", action=argparse.BooleanOptionalAction, default=None,
        help="make passage vectors for the reranker (default: only up to 500 passages; on a big "
        "archive this takes hours, is resumable and embeds only new passages)",
    )
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("sources", parents=[quiet], help="list the documents the index holds (paged)")
    p.add_argument("--limit", type=_positive, default=20, help="documents per page (default 20)")
    p.add_argument("--offset", type=_non_negative, default=0, help="documents to skip")
    p.add_argument("--index", type=Path)
    p.add_argument("--json", action="store_true", help="the page as one JSON object")
    p.set_defaults(func=cmd_sources)

    p = sub.add_parser("ask", parents=[quiet], help="answer one question (or one per line of stdin) and exit")
    p.add_argument("question", nargs="?", help="the question; omit it to read questions from stdin")
    p.add_argument("--top-k", type=_top_k, help="how many passages (1-50, default 3)")
    p.add_argument("--index", type=Path, help="index file to answer from")
    p.add_argument("--json", action="store_true", help="one JSON object per question, one per line")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", parents=[quiet], help="interactive console chat")
    p.add_argument("--top-k", type=_top_k)
    p.add_argument("--index", type=Path)
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("report", help="questions readers asked and did not find, answers rated down")
    p.add_argument("--since", default="7d", help="the period: 7d, 24h, 2w, a date such as 2026-01-31, or all "
                   "(default 7d)")
    p.add_argument("--index", type=Path, help="the index whose feedback to report (default QABOT_INDEX)")
    form = p.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="one JSON object, streamed")
    form.add_argument("--csv", action="store_true", help="one CSV table with a `section` column, streamed")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("eval", help="hit@1, hit@3, MRR and not-found share on a question set")
    p.add_argument("file", type=Path, nargs="?", default=Path("docs/eval/article.jsonl"))
    p.add_argument("--beir", type=Path, metavar="DIR", help="a BEIR folder: corpus.jsonl, queries, qrels")
    p.add_argument(
        "--loao", action="store_true",
        help="leave-one-article-out over the bundled and docs/eval/articles (settings chosen on the others)",
    )
    p.add_argument("--questions", type=Path, action="append", default=[], help="question sets for --loao")
    p.add_argument(
        "--unseen", type=Path, action="append", default=[],
        help="with --loao: question sets never tuned on, scored with the settings chosen (docs/eval/blind2.jsonl)",
    )
    p.add_argument("--index", type=Path)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("telegram", help="run the Telegram bot (long polling, or a webhook)")
    p.add_argument("--webhook-url", help="public HTTPS URL Telegram posts updates to (default: polling)")
    p.add_argument("--listen", help="address the webhook server listens on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port the webhook server listens on (default 8443)")
    p.set_defaults(func=cmd_telegram)
    add_follow_commands(sub)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("qabot")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


def _whole(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {raw!r}") from None


def _positive(raw: str) -> int:
    value = _whole(raw)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _non_negative(raw: str) -> int:
    value = _whole(raw)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _top_k(raw: str) -> int:
    value = _whole(raw)
    if not 1 <= value <= 50:
        raise argparse.ArgumentTypeError("must be between 1 and 50")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `qabot` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        return args.func(args, settings)
    except ConfigError as err:
        print(f"qabot: configuration error: {err}", file=sys.stderr)
        return err.exit_code
    except QabotError as err:
        print(f"qabot {err.command}: {err}" if err.command else f"qabot: {err}", file=sys.stderr)
        return err.exit_code
    except IndexCorruptError as err:
        print(f"qabot: {err}", file=sys.stderr)
        return EXIT_USAGE  # rebuilding is the fix: the same command fails until then
    except QabotIndexError as err:
        print(f"qabot: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `qabot ask ... | head` closed the pipe: not an error worth a traceback.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
