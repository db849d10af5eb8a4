"""`python -m index [DOCS...] [--out PATH]`: rebuild the index, as `qabot index` does."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .build import DEFAULT_DOCS, DEFAULT_INDEX, ENGINES, build_index, describe
from .errors import QabotIndexError

ENGINE_HELP = "bm25: rank-bm25 (small); archive: sparse arrays (big); auto (default) picks by size"


def rebuild(roots: list[Path], out: Path, engine: str = "auto", semantic: bool | None = None) -> int:
    """Rebuild, print the summary and each skipped file; return the exit code."""
    try:
        summary = build_index(roots, out, engine, semantic)
    except QabotIndexError as err:
        print(f"qabot index: {err}; the previous index (if any) is unchanged", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"qabot index: cannot write {out} ({err.strerror}); the previous index is unchanged",
              file=sys.stderr)
        return 1
    for skipped in summary.skipped:
        print(f"warning: skipped {skipped.path}: {skipped.reason}", file=sys.stderr)
    print(describe(summary))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and rebuild."""
    parser = argparse.ArgumentParser(prog="python -m index", description=__doc__)
    parser.add_argument("docs", nargs="*", type=Path, help=f"docs folders (default {DEFAULT_DOCS})")
    parser.add_argument("--out", type=Path, default=DEFAULT_INDEX, help="index file to write")
    parser.add_argument("--engine", choices=ENGINES, default="auto", help=ENGINE_HELP)
    args = parser.parse_args(argv)
    return rebuild(args.docs or [DEFAULT_DOCS], args.out, args.engine)


if __name__ == "__main__":
    sys.exit(main())
