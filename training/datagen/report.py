"""Write the dataset size table (from ``manifest.json``) into docs/face-data.md.

Usage: ``.venv/bin/python -m training.datagen.report [--root DIR]``.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from .dataset import DEFAULT_ROOT, build_manifest

DOC = Path(__file__).resolve().parents[2] / "docs" / "face-data.md"
BEGIN, END = "<!-- data:begin -->", "<!-- data:end -->"


def table(m: dict) -> str:
    lines = [f"As built on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: **{m['utterances']} utterances, "
             f"{m['hours']:.2f} h** ({len(m['held_out'])} held-out test files, speakers "
             f"{', '.join(m['held_out_speakers'])}).", "",
             "| split | utterances | hours |", "|---|---|---|"]
    lines += [f"| {k} | {v['utterances']} | {v['hours']:.3f} |" for k, v in m["by_split"].items()]
    lines += ["", "| source | utterances | hours |", "|---|---|---|"]
    lines += [f"| {k} | {v['utterances']} | {v['hours']:.3f} |" for k, v in m["by_source"].items()]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    args = ap.parse_args(argv)
    text = table(build_manifest(args.root))
    doc = DOC.read_text(encoding="utf-8")
    doc = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _: f"{BEGIN}\n{text}{END}", doc, flags=re.S)
    DOC.write_text(doc, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
