"""Test doubles that are real servers: the scripted OpenAI-compatible model server (shared
with the benchmarks, so it lives in scripts/bench), the real app on loopback, an address
where nothing listens, and a tiny GGUF model."""

from __future__ import annotations

from typing import Any

from scripts.bench.scripted_llm import FakeLlm, Script, served_llm
from scripts.bench.thread_server import ThreadServer

__all__ = ["FakeLlm", "Script", "ThreadServer", "dead_url", "served_app", "served_llm"]


def dead_url() -> str:
    """An address on loopback where nothing listens."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


class served_app:
    """`with served_app(data_dir) as app:` the real wow-rag app under uvicorn on loopback,
    with an authorised `app.client` (httpx) and `app.add_kb(name, {filename: text})`."""

    def __init__(self, data_dir: Any) -> None:
        self.data_dir = data_dir

    def __enter__(self) -> served_app:
        import httpx

        from backend.app import create_app
        from backend.container import Container
        from tests.conftest import AUTH, make_settings

        self.container = Container(make_settings(self.data_dir, vector_engine="edge"))
        self.server = ThreadServer(create_app(self.container)).__enter__()
        self.url = self.server.url
        self.client = httpx.Client(base_url=self.url, headers=AUTH, timeout=30)
        return self

    def add_kb(self, name: str, files: dict[str, str]) -> str:
        from tests.conftest import wait_documents

        kb = self.client.post("/api/kbs", json={"name": name}).json()
        uploads = [("files", (n, text.encode())) for n, text in files.items()]
        assert self.client.post(f"/api/kbs/{kb['id']}/documents", files=uploads).status_code == 202
        docs = wait_documents(self.client, kb["id"])
        assert all(d["status"] == "ready" for d in docs), docs
        return str(kb["id"])

    def use_llm(self, **llm: Any) -> dict[str, Any]:
        answer = self.client.put("/api/settings", json={"llm": llm})
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def __exit__(self, *_: object) -> None:
        self.client.close()
        self.server.__exit__()
        self.container.close()


TINY_PIECES = ["▁the", "▁book", "▁is", "▁due", "▁in", "▁21", "▁days", "▁[1]", ".", "▁yes"]


def write_tiny_gguf(path: Any, seed: int = 7) -> Any:
    """A llama-architecture GGUF of 2 layers and 64 dimensions with random weights (it
    babbles the pieces above), small enough to write in a test and load in milliseconds."""
    import gguf
    import numpy as np

    rng = np.random.default_rng(seed)
    n_embd, n_ff, n_layer, n_head = 64, 128, 2, 4
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)] + TINY_PIECES
    types = (
        [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL]
        + [gguf.TokenType.BYTE] * 256
        + [gguf.TokenType.NORMAL] * len(TINY_PIECES)
    )
    n_vocab = len(tokens)
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_context_length(2048)
    writer.add_embedding_length(n_embd)
    writer.add_block_count(n_layer)
    writer.add_feed_forward_length(n_ff)
    writer.add_head_count(n_head)
    writer.add_head_count_kv(n_head)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_rope_dimension_count(n_embd // n_head)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores([0.0] * 259 + [-1.0] * len(TINY_PIECES))
    writer.add_token_types(types)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_unk_token_id(0)
    writer.add_chat_template(
        "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}assistant:"
    )

    def weights(*shape: int, scale: float = 0.1) -> Any:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    output = weights(n_vocab, n_embd, scale=1.0)
    output[:259] = 0  # only the word pieces win: no end token, no stray bytes
    writer.add_tensor("token_embd.weight", weights(n_vocab, n_embd, scale=1.0))
    writer.add_tensor("output_norm.weight", np.ones(n_embd, dtype=np.float32))
    writer.add_tensor("output.weight", output)
    for i in range(n_layer):
        writer.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(n_embd, dtype=np.float32))
        for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
            writer.add_tensor(f"blk.{i}.{name}.weight", weights(n_embd, n_embd))
        writer.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(n_embd, dtype=np.float32))
        writer.add_tensor(f"blk.{i}.ffn_gate.weight", weights(n_ff, n_embd))
        writer.add_tensor(f"blk.{i}.ffn_up.weight", weights(n_ff, n_embd))
        writer.add_tensor(f"blk.{i}.ffn_down.weight", weights(n_embd, n_ff))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
