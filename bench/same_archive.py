"""Whether two checkouts of qabot build the same archive: every file compared byte for byte.

    .venv/bin/python -m bench.same_archive --base /path/to/old/checkout [--head .] DOCS [DOCS ...]

For a change to the build that must not change what is built (the merge's memory, its speed): each
tree builds an archive of each DOCS folder from an empty index folder, in a fresh process with that
tree's code on PYTHONPATH, and every file of the two archive folders (arrays, documents.json,
meta.json) is compared. Prints one line per folder and exits 1 when any file differs.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_BUILD = ("import sys; from pathlib import Path; from index import build_index; "
          "build_index([Path(sys.argv[1])], Path(sys.argv[2]), engine='archive', semantic=False)")


def _archive(tree: Path, docs: Path, out: Path) -> Path:
    env = {**os.environ, "PYTHONPATH": str(tree), "QABOT_SEMANTIC": "off"}
    subprocess.run([sys.executable, "-c", _BUILD, str(docs), str(out)], cwd=tree, env=env, check=True)
    return out / "archives" / json.loads((out / "index.json").read_text())["archive"]


def differences(base: Path, head: Path) -> list[str]:
    """Names of the files that differ or are in one archive folder only."""
    names = sorted({p.name for p in base.iterdir()} | {p.name for p in head.iterdir()})
    return [n for n in names if not ((base / n).is_file() and (head / n).is_file()
                                     and filecmp.cmp(base / n, head / n, shallow=False))]


def main() -> int:
    """Build each folder with both trees and compare the archives."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="the checkout to compare against")
    parser.add_argument("--head", type=Path, default=REPO, help="the checkout checked (default: this one)")
    parser.add_argument("docs", type=Path, nargs="+")
    args = parser.parse_args()
    failed = False
    for docs in args.docs:
        # Both builds read the folder by the same absolute path: meta.json records it.
        docs = docs.resolve()
        with tempfile.TemporaryDirectory() as tmp:
            base = _archive(args.base.resolve(), docs, Path(tmp) / "base")
            head = _archive(args.head.resolve(), docs, Path(tmp) / "head")
            differ = differences(base, head)
            files = len(list(head.iterdir()))
        failed |= bool(differ)
        print(f"{docs}: " + (f"DIFFERENT: {', '.join(differ)}" if differ else f"identical ({files} files)"), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
