"""The public question sets the e5 benchmarks read (../shared/public-eval, SQuAD format)."""

from __future__ import annotations

import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def eval_dir() -> Path:
    """WOWRAG_PUBLIC_EVAL, or a `shared/public-eval` beside the checkout or one level up
    (a worktree in wt/)."""
    env = os.environ.get("WOWRAG_PUBLIC_EVAL")
    candidates = [Path(env)] if env else []
    candidates += [ROOT.parent / "shared" / "public-eval",
                   ROOT.parent.parent / "shared" / "public-eval"]
    for path in candidates:
        if (path / "xquad.en.json").is_file():
            return path
    raise SystemExit("public-eval not found: set WOWRAG_PUBLIC_EVAL")


def paragraphs(name: str) -> list[dict]:
    """[{context, qas: [{id, question}]}] of one set, in file order."""
    data = json.loads((eval_dir() / name).read_text("utf-8"))
    return [paragraph for article in data["data"] for paragraph in article["paragraphs"]]
