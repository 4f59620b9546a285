"""Builds every service once, with its adapters, and closes them in reverse order."""

from __future__ import annotations

import logging
import secrets
import threading
from pathlib import Path

from backend.config import Settings
from backend.paths import DataPaths, default_data_dir
from backend.rag.embedder import UseEmbedder
from backend.rag.embedding_pool import EmbeddingPool
from backend.rag.llm.gguf import LocalModels
from backend.rag.llm.model_server import HttpClients
from backend.rag.llm.providers import build_generator
from backend.rag.readers import ReaderProcess
from backend.rag.retriever import HybridRetriever
from backend.rag.sparse import KeywordEncoder
from backend.rag.vectors.factory import open_vector_store
from backend.rag.vectors.store import VectorStore
from backend.services.app_info import AppInfo
from backend.services.chat import ChatService
from backend.services.disk import DiskSpace
from backend.services.events import EventBus
from backend.services.folders import FolderService
from backend.services.ingest import IngestService
from backend.services.ingest_pipeline import ImportPipeline
from backend.services.kb_models import KnowledgeModels
from backend.services.kb_package import KbPackages
from backend.services.knowledge_bases import KnowledgeBaseService
from backend.services.llm_catalog import LlmCatalog
from backend.services.model_files import ModelFiles
from backend.services.passage_vectors import PassageState, PassageVectors
from backend.services.sessions import SessionService
from backend.services.settings import SettingsService
from backend.services.uploads import UploadStore
from backend.store.db import Database
from backend.store.documents import DocumentRepository
from backend.store.folders import FolderRepository
from backend.store.knowledge_bases import KnowledgeBaseRepository
from backend.store.sessions import SessionRepository
from backend.store.settings import SettingsRepository

log = logging.getLogger(__name__)


class Container:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.token = settings.token or secrets.token_urlsafe(24)
        self.paths = DataPaths(Path(settings.data_dir or default_data_dir()).resolve())
        self.paths.ensure()
        self.disk = DiskSpace(
            self.paths.root, settings.min_free_mb << 20, settings.space_reserve_mb << 20
        )
        # On a full disk SQLite cannot open its log and Qdrant Edge dies (SIGBUS) replaying
        # its own into memory maps: the reserve gives them the room, before either opens.
        self.disk.make_room()
        self.db = Database(self.paths.database)
        self.kb_repo = KnowledgeBaseRepository(self.db)
        self.doc_repo = DocumentRepository(self.db)
        self.session_repo = SessionRepository(self.db)
        self.settings_service = SettingsService(SettingsRepository(self.db))
        self.embedder = UseEmbedder()
        self.keywords = KeywordEncoder()
        self.store: VectorStore = open_vector_store(
            settings.engine,
            str(self.paths.qdrant),
            self.embedder.dimension,
            url=settings.qdrant_url,
            api_key=settings.qdrant_api_key,
        )
        self.events = EventBus()
        self.pool = EmbeddingPool(settings.embed_workers, template=self.embedder)
        self.reader = ReaderProcess(
            timeout_s=settings.parse_timeout_s, memory_mb=settings.parse_memory_mb
        )
        self.uploads = UploadStore(self.paths.uploads, settings.max_upload_mb << 20, self.disk)
        self.ingest = IngestService(
            self.kb_repo,
            self.doc_repo,
            self.uploads,
            ImportPipeline(
                self.doc_repo,
                self.uploads,
                self.store,
                self.pool,
                self.keywords,
                self.events,
                self.reader,
                self.disk,
            ),
        )
        self.folders = FolderService(
            FolderRepository(self.db), self.doc_repo, self.kb_repo, self.ingest
        )
        self.local_models = LocalModels()
        self.llm_clients = HttpClients()
        self.passage_vectors = PassageVectors(
            self.store, self.ingest.idle, settings.passage_vectors, self._publish_passages
        )
        self.retriever = HybridRetriever(self.store, self.embedder, self.keywords)
        self.retriever.passages = self.passage_vectors
        self.chat = ChatService(
            self.session_repo,
            self.kb_repo,
            self.retriever,
            generator=lambda: build_generator(
                self.settings_service.current().llm, self.local_models, self.llm_clients
            ),
            options=self.settings_service.retrieval,
            file_dates=self.doc_repo.dates,
        )
        self.app_info = AppInfo(
            str(self.paths.root),
            self.store.engine,
            self.embedder.name,
            self.disk,
            self.passage_vectors,
        )
        self.model_files = ModelFiles(self.paths.models, self.disk)
        self.llm_catalog = LlmCatalog(
            self.settings_service,
            self.model_files,
            self.local_models,
            local_ports=settings.discover_ports or None,
        )
        self.kb_models = KnowledgeModels(self.kb_repo)
        self.sessions = SessionService(self.session_repo)
        self.knowledge_bases = KnowledgeBaseService(
            self.kb_repo, self.ingest, self.session_repo, self.embedder, self.paths.qdrant
        )
        self.kb_packages = KbPackages(self.ingest, self.knowledge_bases, self.paths.root / "work")
        self.llamaindex_loaded = threading.Event()
        self._closed = False

    def start(self) -> None:
        """Work that may run after the server answers: recovery, the import worker, warm-up."""
        self.session_repo.stop_interrupted()
        self.ingest.start()
        self.knowledge_bases.reindex_outdated()
        self.folders.start()  # after recovery: a sync must see documents as they really are
        threading.Thread(target=self.embedder.warm, name="warm-embedder", daemon=True).start()
        threading.Thread(target=self._use_llamaindex, name="load-llamaindex", daemon=True).start()
        self.passage_vectors.start()

    def _publish_passages(self, state: PassageState) -> None:
        self.events.publish({"type": "passage_vectors", **state.to_dict()})

    def _use_llamaindex(self) -> None:
        """LlamaIndex's core (2 to 2.6 s, about 100 MB to import) loads in the background,
        never before the first paint. Imports split through its node parser (an import
        that starts earlier waits for it); the chat retrieves through its retriever
        interface once loaded. Until then, and if it cannot load, the retrieve step asks
        the retriever directly; both give the same passages."""
        try:
            import backend.rag.llamaindex  # noqa: F401  the import's node parser, warm
            from backend.rag.llamaindex_retrieval import LlamaIndexRetrieval

            self.chat.use_retriever(LlamaIndexRetrieval(self.retriever))
        except Exception:
            log.exception("LlamaIndex did not load; the chat retrieves directly")
        finally:
            self.llamaindex_loaded.set()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.folders.stop()
        self.ingest.stop()
        self.passage_vectors.close()
        self.reader.close()
        self.local_models.close()
        self.embedder.close()
        self.store.close()
        self.db.close()
