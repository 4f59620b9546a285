"""What the settings screen needs to pick a model: provider presets, the models a server
offers, a connection test, and the model servers already running on this machine."""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import orjson

from backend.rag.llm.generation import GenerationError
from backend.rag.llm.gguf import LlamaCppGenerator, LocalModels
from backend.rag.llm.model_server import Endpoint, http_client, open_request
from backend.rag.llm.openai_compatible import OpenAICompatibleGenerator
from backend.services.model_files import ModelFiles
from backend.services.settings import LlmSettings, SettingsService

LIST_TIMEOUT_S = 10.0
TEST_TIMEOUT_S = 30.0
PROBE_TIMEOUT_S = 0.8
LOOPBACK = "127.0.0.1"

if TYPE_CHECKING:
    import aiohttp


@dataclass(frozen=True)
class Preset:
    id: str
    name: str
    base_url: str
    needs_key: bool
    local_port: int | None = None


PRESETS = [
    Preset("ollama", "Ollama", "http://127.0.0.1:11434/v1", False, 11434),
    Preset("lmstudio", "LM Studio", "http://127.0.0.1:1234/v1", False, 1234),
    Preset("llamacpp", "llama.cpp server", "http://127.0.0.1:8080/v1", False, 8080),
    Preset("vllm", "vLLM", "http://127.0.0.1:8000/v1", False, 8000),
    Preset("deepseek", "DeepSeek", "https://api.deepseek.com/v1", True),
    Preset(
        "dashscope", "Qwen (DashScope)", "https://dashscope.aliyuncs.com/compatible-mode/v1", True
    ),
    Preset("openai", "OpenAI", "https://api.openai.com/v1", True),
]


@dataclass
class LlmChoice:
    """A provider as the settings screen describes it; empty fields mean "as saved"."""

    provider: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    model: str | None = None
    model_path: str | None = None


class LlmCatalog:
    def __init__(
        self,
        settings: SettingsService,
        files: ModelFiles,
        local_models: LocalModels,
        local_ports: dict[str, int] | None = None,
    ) -> None:
        self.settings, self.files, self.local_models = settings, files, local_models
        self.local_ports = (
            local_ports
            if local_ports is not None
            else {p.id: p.local_port for p in PRESETS if p.local_port}
        )

    def presets(self) -> list[dict[str, Any]]:
        return [{k: v for k, v in asdict(p).items() if k != "local_port"} for p in PRESETS]

    def _resolve(self, choice: LlmChoice) -> LlmSettings:
        saved = self.settings.current().llm
        update = {k: v for k, v in asdict(choice).items() if v is not None and k != "api_key"}
        llm = saved.model_copy(update=update)
        llm.api_key = (
            choice.api_key if choice.api_key is not None else (self.settings.key_for(llm.base_url))
        )
        return llm

    async def list_models(self, choice: LlmChoice) -> list[str]:
        llm = self._resolve(choice)
        if llm.provider == "llama_cpp":
            return [f.path for f in self.files.list()]
        if llm.provider != "openai_compatible":
            return []
        endpoint = Endpoint(llm.base_url, llm.api_key, LIST_TIMEOUT_S)
        async with http_client(endpoint) as client:
            return await server_models(client, endpoint)

    async def test(self, choice: LlmChoice) -> dict[str, Any]:
        llm = self._resolve(choice)
        started = time.perf_counter()
        code = None
        try:
            message = await self._try(llm)
            ok = True
        except GenerationError as exc:
            ok, message, code = False, exc.message, exc.code
        return {
            "ok": ok,
            "message": message,
            "code": code,  # what went wrong, for the screen to say what to do next
            "latency_ms": round((time.perf_counter() - started) * 1000, 1),
        }

    async def _try(self, llm: LlmSettings) -> str:
        hello = [{"role": "user", "content": "Hi"}]
        if llm.provider == "openai_compatible":
            endpoint = Endpoint(llm.base_url, llm.api_key, min(llm.timeout_s, TEST_TIMEOUT_S))
            if not llm.model:
                async with http_client(endpoint) as client:
                    found = await server_models(client, endpoint)
                return f"The server answers and offers {len(found)} model(s); choose one."
            generator = OpenAICompatibleGenerator(endpoint, llm.model)
            try:
                await generator.complete(hello, 1)
            finally:
                await generator.close()
            return f"{llm.model} answers."
        if llm.provider == "llama_cpp":
            await LlamaCppGenerator(self.local_models, llm.model_path).complete(hello, 1)
            return "The model file loads and answers."
        return "The extractive answerer needs no model."

    async def discover(self) -> list[dict[str, Any]]:
        """Model servers answering on their usual ports of this machine, and nowhere else."""
        names = {p.id: p.name for p in PRESETS}
        found = await asyncio.gather(
            *(self._probe(preset_id, port) for preset_id, port in self.local_ports.items())
        )
        return [
            {
                "id": preset_id,
                "name": names.get(preset_id, preset_id),
                "base_url": f"http://{LOOPBACK}:{port}/v1",
                "models": models,
            }
            for (preset_id, port), models in zip(self.local_ports.items(), found, strict=True)
            if models is not None
        ]

    @staticmethod
    async def _probe(preset_id: str, port: int) -> list[str] | None:
        endpoint = Endpoint(f"http://{LOOPBACK}:{port}/v1", "", PROBE_TIMEOUT_S)
        async with http_client(endpoint, connect_s=PROBE_TIMEOUT_S) as client:
            try:
                return await server_models(client, endpoint)
            except GenerationError:
                return None


async def server_models(client: aiohttp.ClientSession, endpoint: Endpoint) -> list[str]:
    """`/v1/models`, or Ollama's own `/api/tags` when a server lacks the former."""
    try:
        found = await _get_json(client, endpoint, endpoint.root + "/models")
        return sorted(str(m["id"]) for m in found.get("data", []) if "id" in m)
    except GenerationError as exc:
        if exc.code != "llm_model_not_found":
            raise
    found = await _get_json(client, endpoint, endpoint.root.removesuffix("/v1") + "/api/tags")
    return sorted(str(m["name"]) for m in found.get("models", []) if "name" in m)


async def _get_json(client: aiohttp.ClientSession, endpoint: Endpoint, url: str) -> dict[str, Any]:
    async with open_request(client, endpoint, "GET", url) as response:
        answer = await response.read()
    try:
        data = orjson.loads(answer)
    except orjson.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        raise GenerationError(
            "llm_error", "This server does not answer like an OpenAI-compatible one."
        )
    return data
