"""Helpers for the package tests: a package of a real knowledge base, a package rewritten
(with its checksums made right again, or not), and counted embedder calls."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Members = dict[str, bytes]


def export_package(client: Any, make_kb: Callable[[Any], dict]) -> bytes:
    """A package of a fresh knowledge base, which is then deleted (nothing of it stays)."""
    kb = make_kb(client)
    answer = client.get(f"/api/kbs/{kb['id']}/export")
    assert answer.status_code == 200, answer.text
    assert client.delete(f"/api/kbs/{kb['id']}").status_code == 204
    return bytes(answer.content)


def unpack(package: bytes) -> tuple[dict[str, Any], Members]:
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        members = {name: z.read(name) for name in z.namelist()}
    return json.loads(members.pop("manifest.json")), members


def pack(manifest: dict[str, Any], members: Members, *, checksums: bool = True) -> bytes:
    """A zip of `members` and `manifest`; with `checksums` the manifest's sizes and sums
    are made to match the members (so only the change under test is wrong)."""
    if checksums:
        manifest["members"] = {
            name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in members.items()
        }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
        z.writestr("manifest.json", json.dumps(manifest))
    return out.getvalue()


def repack(
    package: bytes,
    change: Callable[[dict[str, Any], Members], None],
    *,
    checksums: bool = True,
) -> bytes:
    manifest, members = unpack(package)
    change(manifest, members)
    return pack(manifest, members, checksums=checksums)


@contextmanager
def counting_embedder(container: Any) -> Iterator[dict[str, int]]:
    """Counts calls of the app's embedder (queries) and of its embedding pool (imports)."""
    calls = {"embed": 0, "pool": 0}
    embed, submit = container.embedder.embed, container.pool.submit

    def counted_embed(texts: list[str]) -> Any:
        calls["embed"] += 1
        return embed(texts)

    def counted_submit(texts: list[str]) -> Any:
        calls["pool"] += 1
        return submit(texts)

    container.embedder.embed, container.pool.submit = counted_embed, counted_submit
    try:
        yield calls
    finally:
        container.embedder.embed, container.pool.submit = embed, submit
