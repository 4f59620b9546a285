"""Answer quality on public sets nobody here wrote (CMRC 2018, XQuAD zh/en), through the
real app: `launcher.py --headless` on a data dir, one knowledge base per set imported over
HTTP, every question asked over `/api/chat/stream` with no model configured. The cases and
the negative control are described in quality_cases.py.

    python -m scripts.bench.quality [--sample 300 | --quick] [--ablate] [--reuse]
        [--passage-vectors wait|off] [--paragraphs 80]

Columns: para@1 / para@5 (the gold paragraph's file first / in the first five sources),
stated (a gold answer appears in the streamed answer, after NFKC, case and whitespace
folding), answer length p50 beside the gold answer's own sentence p50 (characters,
citations removed), not-found (the negative control answered with no sources), first
token p50 (a separate pass, one question at a time after a pause, so that the main pass
may ask several at once). BM25 alone and plain LlamaIndex rank whole paragraphs.
`--ablate` re-runs wow-rag's retrieval in-process on the same data dir with each ranking
stage switched off in turn (HybridRetriever's `Stages`).
"""

from __future__ import annotations

import argparse
import datetime
import subprocess
import time
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from scripts.bench.common import ASK_PAUSE_S, CACHE, Server, fresh_dir, save_json
from scripts.bench.quality_cases import (
    Asked,
    Case,
    build_cases,
    knowledge_bases,
    load_all,
    public_eval_dir,
    rate,
    score,
    smaller_kbs,
)
from scripts.bench.quality_http import ask, ask_all, existing_kbs, import_kbs

ROOT = Path(__file__).resolve().parents[2]

QUICK_SAMPLE = 30
TIMED_PER_CASE = 15


def first_tokens(server: Server, cases: list[Case], kb_ids: dict[str, str]) -> dict[str, float]:
    """First token p50 per case, one question at a time after a pause."""
    out: dict[str, float] = {}
    for case in cases:
        times = []
        for question in case.questions[:TIMED_PER_CASE]:
            time.sleep(ASK_PAUSE_S)
            asked = ask(server.client, question, kb_ids[question.kb])
            if asked.first_token_ms is not None:
                times.append(asked.first_token_ms)
        times.sort()
        out[case.name] = round(times[len(times) // 2], 1) if times else float("nan")
    return out


def ablation(
    data_dir: Path, cases: list[Case], kb_ids: dict[str, str], size: int
) -> dict[str, dict]:
    """para@1/para@5 per answerable case (its first `size` questions) with each stage off
    in turn, in-process on the data dir the stopped server left (the same store, embedder
    and retriever the app builds, with the e5 list when the chunks have passage vectors);
    retrieval only, so no relevance judgement."""
    from backend.paths import DataPaths
    from backend.rag.embedder import UseEmbedder
    from backend.rag.fusion import ALL_STAGES
    from backend.rag.retriever import HybridRetriever
    from backend.rag.sparse import KeywordEncoder
    from backend.rag.vectors.factory import open_vector_store

    embedder = UseEmbedder()
    store = open_vector_store("edge", str(DataPaths(data_dir).qdrant), embedder.dimension)
    retriever = HybridRetriever(store, embedder, KeywordEncoder())
    if store.passage_counts()[0]:
        from scripts.bench.quality_inprocess import PassageSearchNow

        retriever.passages = PassageSearchNow(store)
    variants = {"all stages": ALL_STAGES}
    for stage in fields(ALL_STAGES):
        variants[f"no {stage.name}"] = replace(ALL_STAGES, **{stage.name: False})
    rows: dict[str, dict] = {}
    try:
        for label, stages in variants.items():
            row = {}
            for case in cases:
                if case.negative:
                    continue
                asked = []
                for q in case.questions[:size]:
                    found = retriever.retrieve(q.text, [kb_ids[q.kb]], 5, stages=stages)
                    asked.append(Asked(q, [p.filename for p in found], ""))
                row[case.name] = (rate(a.para1 for a in asked), rate(a.para5 for a in asked))
            rows[label] = row
            print(label, row, flush=True)
    finally:
        store.close()
        embedder.close()
    return rows


def baselines(kbs: dict[str, dict[str, str]], cases: list[Case], cache: Path) -> dict:
    from scripts.bench.quality_baselines import Bm25Ranker, PlainLlamaIndex

    out: dict[str, dict] = {}
    for label, ranker in (("bm25", Bm25Ranker(kbs)), ("plain", PlainLlamaIndex(kbs, cache))):
        row = {}
        for case in cases:
            if not case.negative:
                asked = [Asked(q, ranker.rank(q), "") for q in case.questions]
                row[case.name] = (rate(a.para1 for a in asked), rate(a.para5 for a in asked))
        out[label] = row
    return out


def table(rows: dict[str, dict], base: dict, first: dict[str, float]) -> str:
    head = (
        "| case | n | para@1 | para@5 | BM25 @1/@5 | plain LlamaIndex @1/@5 | stated | "
        "answer p50 | gold sentence p50 | not found | first token p50 ms |"
    )
    lines = [head, "|" + "---|" * 11]
    for name, r in rows.items():

        def pair(label: str, case: str = name) -> str:
            got = base.get(label, {}).get(case)
            return f"{got[0]:.2f} / {got[1]:.2f}" if got else ""

        def num(key: str, r: dict = r) -> str:
            value = r.get(key)
            return (
                "" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)
            )

        lines.append(
            f"| {name} | {r['n']} | {num('para1')} | {num('para5')} | {pair('bm25')} | "
            f"{pair('plain')} | {num('stated')} | {num('answer_p50')} | "
            f"{num('gold_sentence_p50')} | {num('not_found')} | {first.get(name, '')} |"
        )
    return "\n".join(lines)


def wait_for_passages(client: Any, limit_s: float = 3600) -> None:
    """Until the e5 background pass has reached every chunk (or has no weights)."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit_s:
        state = client.get("/api/info").json().get("passage_vectors", {})
        if state.get("state") in ("done", "off", "no_weights"):
            print(f"passage vectors: {state.get('state')} after "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
            return
        time.sleep(2)
    raise SystemExit("the e5 background pass did not finish within the limit")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=300, help="questions per case")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SAMPLE} per case")
    parser.add_argument("--public-eval", type=Path, default=None, help="the sets' folder")
    parser.add_argument("--data-dir", type=Path, default=CACHE / "quality" / "data")
    parser.add_argument("--reuse", action="store_true", help="keep an imported data dir")
    parser.add_argument("--workers", type=int, default=4, help="questions asked at once")
    parser.add_argument("--ablate", action="store_true")
    parser.add_argument("--ablate-sample", type=int, default=150, help="questions per case")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--cases", default="", help="comma-separated case names")
    parser.add_argument(
        "--paragraphs",
        type=int,
        default=0,
        help="cut each knowledge base to the cases' gold paragraphs and seeded distractors, "
        "this many in all (as the CI gate does): e5 embeds 2-3 chunks/s, so its run on "
        "the full sets (3,000 chunks) takes 20 minutes or more",
    )
    parser.add_argument(
        "--passage-vectors",
        choices=("wait", "off"),
        default="wait",
        help="wait: ask once the e5 background pass has reached every chunk (the app as a "
        "user has it after import); off: the light model and BM25 alone",
    )
    args = parser.parse_args()
    size = QUICK_SAMPLE if args.quick else args.sample
    sets = load_all(args.public_eval or public_eval_dir())
    kbs = knowledge_bases(sets)
    cases = build_cases(sets, size)
    if args.cases:
        cases = [c for c in cases if c.name in args.cases.split(",")]
    if args.paragraphs:
        kbs = smaller_kbs(kbs, cases, args.paragraphs)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    print(
        f"# quality {datetime.datetime.now():%Y-%m-%d %H:%M} commit {commit} sample {size} "
        f"paragraphs {sum(map(len, kbs.values()))}"
    )
    data_dir = args.data_dir if args.reuse else fresh_dir(args.data_dir)
    passages = "true" if args.passage_vectors == "wait" else "false"
    server = Server(data_dir, env={"WOWRAG_PASSAGE_VECTORS": passages})
    try:
        kb_ids = existing_kbs(server.client)
        if not all(name in kb_ids for name in kbs):
            started = time.perf_counter()
            kb_ids = import_kbs(server.client, kbs)
            print(
                f"imported {sum(map(len, kbs.values()))} paragraphs in "
                f"{time.perf_counter() - started:.0f} s",
                flush=True,
            )
        if args.passage_vectors == "wait":
            wait_for_passages(server.client)
        rows = {}
        for case in cases:
            asked = ask_all(server.client, case.questions, kb_ids, args.workers)
            rows[case.name] = score(case, asked)
            print(case.name, rows[case.name], flush=True)
        first = first_tokens(server, cases, kb_ids)
    finally:
        server.stop()
    base = {} if args.no_baselines else baselines(kbs, cases, CACHE / "quality")
    print()
    print(table(rows, base, first))
    result = {"commit": commit, "sample": size, "rows": rows, "baselines": base, "first": first}
    if args.ablate:
        result["ablation"] = ablation(data_dir, cases, kb_ids, args.ablate_sample)
        print()
        names = [c.name for c in cases if not c.negative]
        print("| stages | " + " | ".join(f"{n} @1/@5" for n in names) + " |")
        print("|---|" + "---|" * len(names))
        for label, row in result["ablation"].items():
            cells = " | ".join(f"{row[n][0]:.2f} / {row[n][1]:.2f}" for n in names)
            print(f"| {label} | {cells} |")
    save_json(CACHE / "quality" / f"result-{commit}-{size}.json", result)


if __name__ == "__main__":
    main()
