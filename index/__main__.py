"""`python -m index [DOCS...] [--out PATH]`: rebuild the index, as `qabot index` does."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .build import DEFAULT_DOCS, DEFAULT_INDEX, ENGINES, build_index, describe, plan_rebuild, warnings
from .errors import QabotIndexError
from .progress import ProgressCallback
from .storage import index_paths

DOCS_HELP = ("docs folders or files; none: the folders the index was built from "
             "(a first build: {default})")
OUT_HELP = ("the index: a folder that holds everything it needs (or a .json file, with a <name>.d "
            "folder beside it); default {default}")
ENGINE_HELP = "bm25: rank-bm25 (small); archive: sparse arrays (big); auto (default) picks by size"


def rebuild(
    folders: Sequence[Path], out: Path, engine: str = "auto", seed: Sequence[Path] = (DEFAULT_DOCS,),
    progress: ProgressCallback | None = None, quiet: bool = False, semantic: bool | None = None,
) -> int:
    """Rebuild the index `out` from `folders` (none: the folders it was built from, or `seed` for
    a first build); print what is done, the warnings and the summary; return the exit code."""
    roots, plan = plan_rebuild(out, folders, seed)
    if not quiet:
        print(plan, file=sys.stderr)
    try:
        summary = build_index(roots, out, engine, progress, semantic)
    except QabotIndexError as err:
        print(f"qabot index: {err}; {_previous(out)}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"qabot index: cannot write {out} ({err.strerror or err}); {_previous(out)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"qabot index: interrupted; {_previous(out)}", file=sys.stderr)
        return 130
    finally:
        closing = getattr(progress, "close", None)
        if closing is not None:
            closing()
    for line in warnings(summary):
        print(line, file=sys.stderr)
    print(describe(summary))
    return 0


def _previous(out: Path) -> str:
    if index_paths(out).file.exists():
        return f"the previous index at {out} is unchanged and still serving"
    return "no index was written"


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and rebuild."""
    parser = argparse.ArgumentParser(prog="python -m index", description=__doc__)
    parser.add_argument("docs", nargs="*", type=Path, help=DOCS_HELP.format(default=DEFAULT_DOCS))
    parser.add_argument("--out", type=Path, default=DEFAULT_INDEX, help=OUT_HELP.format(default=DEFAULT_INDEX))
    parser.add_argument("--engine", choices=ENGINES, default="auto", help=ENGINE_HELP)
    parser.add_argument("--quiet", action="store_true", help="say nothing but warnings, errors and the summary")
    args = parser.parse_args(argv)
    return rebuild(args.docs, args.out, args.engine, quiet=args.quiet)


if __name__ == "__main__":
    sys.exit(main())
