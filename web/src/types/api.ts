/** Shapes of the HTTP contract (shared/API.md). */

export interface KnowledgeBase {
  id: string
  name: string
  description: string
  created_at: string
  /** Every document but the duplicates, whatever its status. */
  document_count: number
  ready_count?: number
  failed_count?: number
  chunk_count: number
  /** Its files and its share of the vectors on disk. */
  storage_bytes?: number
}

export type DocumentStatus = 'queued' | 'parsing' | 'embedding' | 'ready' | 'failed' | 'duplicate'

export interface KbDocument {
  id: string
  kb_id: string
  filename: string
  size: number
  sha256: string
  status: DocumentStatus
  progress: number
  error: string | null
  chunk_count: number
  pages: number | null
  created_at: string
  imported_at: string
  /** The file's own last change, when known. */
  modified_at: string | null
  /** Set when it came from a linked folder. */
  folder_id: string | null
  relative_path: string | null
}

export interface LinkedFolder {
  id: string
  kb_id: string
  path: string
  status: 'syncing' | 'watching' | 'missing'
  last_synced_at: string | null
  document_count: number
}

export interface Source {
  index: number
  kb_id: string
  doc_id: string
  filename: string
  page: number | null
  /** The section the passage sits under (its heading path), when the format has them. */
  heading?: string | null
  /** When the cited file last changed, so an old version shows as old. */
  modified_at?: string | null
  text: string
  score: number
}

/** `GET .../documents/{id}/text`: the document's text by page, and how to show it. */
export interface DocumentText {
  doc_id: string
  kb_id: string
  filename: string
  format: 'pdf' | 'markdown' | 'plain'
  pages: Array<{ page: number | null; text: string }>
}

export interface Timings {
  retrieval_ms?: number
  first_token_ms?: number
  total_ms?: number
}

export type ChatEvent =
  | { type: 'session'; session_id: string; message_id?: string }
  | { type: 'sources'; sources: Source[] }
  | { type: 'token'; delta: string }
  | { type: 'done'; answer: string; citations: number[]; timings?: Timings }
  | { type: 'error'; code: string; message: string }
  | { type: 'warning'; code: string; message: string }

export interface ChatRequest {
  question: string
  session_id?: string
  kb_ids?: string[]
  top_k?: number
}

export type MessageStatus = 'streaming' | 'done' | 'stopped' | 'error'

export interface SessionSummary {
  id: string
  title: string
  kb_ids: string[]
  created_at: string
  updated_at: string
}

export interface StoredMessage {
  id: string
  role: 'user' | 'assistant'
  content: string
  sources?: Source[] | null
  status?: MessageStatus
  created_at: string
}

export interface SessionDetail extends SessionSummary {
  messages: StoredMessage[]
}

export type LlmProvider = 'extractive' | 'openai_compatible' | 'llama_cpp'

export interface LlmSettings {
  provider: LlmProvider
  base_url?: string | null
  model?: string | null
  api_key?: string | null
  model_path?: string | null
  temperature?: number | null
  max_tokens?: number | null
}

export interface RetrievalSettings {
  top_k: number
  hybrid: boolean
}

export interface AppSettings {
  llm: LlmSettings
  retrieval: RetrievalSettings
}

export interface LlmPreset {
  id: string
  name: string
  base_url: string
  needs_key: boolean
}

export interface LlmTestResult {
  ok: boolean
  message: string
  /** Why it failed (llm_unreachable, llm_auth_failed, ...), to say what to do next. */
  code?: string | null
  latency_ms?: number
}

export interface DiscoveredServer {
  id?: string
  name: string
  base_url: string
  models: string[]
}

/** The disk holding the data folder: `full` refuses imports, `low` warns (below 1 GB). */
export interface DiskState {
  free_bytes: number
  total_bytes: number
  min_free_bytes: number
  low: boolean
  full: boolean
}

export interface ServerInfo {
  version?: string
  data_dir?: string
  vector_engine?: string
  embedder?: string
  disk?: DiskState
}
