/**
 * The desktop window (pywebview): detection and typed wrappers for `window.pywebview.api`
 * (documented in backend/desktop/__init__.py). In a normal browser none of this exists and
 * `isDesktop` stays false, so every caller keeps its browser behaviour.
 *
 * pywebview creates `window.pywebview` and its `api` stubs after the page starts, then fires
 * `pywebviewready` on `window`; `isDesktop` turns true at that moment (or at once, when the
 * API is already there).
 */
import { readonly, ref, type Ref } from 'vue'
import type { KbDocument } from '@/types/api'

export interface DesktopInfo {
  desktop: true
  data_dir: string
  platform: string
  extensions: string[]
}

export interface ImportFailure {
  path: string
  code: string
  message: string
}

export interface ImportResult {
  documents: KbDocument[]
  /** Files left out: unsupported type, hidden, unreadable, over the limit. */
  skipped: number
  /** Hidden, system or tool folders left out whole. */
  skipped_folders: number
  failed: ImportFailure[]
  truncated: boolean
}

export interface DesktopErrorBody {
  error: { code: string; message: string }
}

export interface PywebviewApi {
  info(): Promise<DesktopInfo>
  choose_files(): Promise<string[]>
  choose_folder(): Promise<string | null>
  import_paths(kbId: string, paths: string[]): Promise<ImportResult | DesktopErrorBody>
  open_data_dir(): Promise<boolean>
  /** Newer than the rest of the bridge: absent in a window of an older build. */
  open_document?(kbId: string, docId: string): Promise<boolean>
  show_in_folder?(kbId: string, docId: string): Promise<boolean>
  open_external(url: string): Promise<boolean>
}

declare global {
  interface Window {
    pywebview?: { api?: Partial<PywebviewApi> }
  }
  interface WindowEventMap {
    pywebviewready: Event
    'wowrag:native-drop': CustomEvent<NativeDropDetail>
  }
}

export interface NativeDropDetail {
  paths: string[]
}

export const NATIVE_DROP_EVENT = 'wowrag:native-drop'

/** An `{error: {code, message}}` answer of the desktop API, or the API missing. */
export class DesktopError extends Error {
  readonly code: string

  constructor(code: string, message: string) {
    super(message)
    this.name = 'DesktopError'
    this.code = code
  }
}

function currentApi(): PywebviewApi | null {
  const api = typeof window === 'undefined' ? undefined : window.pywebview?.api
  return api && typeof api.import_paths === 'function' ? (api as PywebviewApi) : null
}

const ready = ref(false)
let nativeDrops = 0
let installed = false

function install(): void {
  if (installed || typeof window === 'undefined') return
  installed = true
  ready.value = currentApi() !== null
  window.addEventListener('pywebviewready', () => {
    ready.value = currentApi() !== null
  })
  window.addEventListener(NATIVE_DROP_EVENT, () => {
    nativeDrops++
  })
}
install()

/** True when running in the desktop window with its API ready. */
export const isDesktop: Readonly<Ref<boolean>> = readonly(ready)

/** Resolves true once the desktop API is ready, false after `timeoutMs` without it. */
export function whenDesktop(timeoutMs = 3000): Promise<boolean> {
  if (currentApi()) {
    ready.value = true
    return Promise.resolve(true)
  }
  return new Promise((resolve) => {
    const done = (value: boolean): void => {
      clearTimeout(timer)
      window.removeEventListener('pywebviewready', onReady)
      resolve(value)
    }
    const onReady = (): void => {
      if (currentApi()) done(true)
    }
    const timer = setTimeout(() => done(false), timeoutMs)
    window.addEventListener('pywebviewready', onReady)
  })
}

function api(): PywebviewApi {
  const found = currentApi()
  if (!found) throw new DesktopError('not_desktop', 'Not running in the desktop window.')
  return found
}

const paths = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((p): p is string => typeof p === 'string' && p !== '') : []

export const desktopInfo = (): Promise<DesktopInfo> => api().info()

/** The native "choose files" dialog: absolute paths, [] when cancelled. */
export async function chooseFiles(): Promise<string[]> {
  return paths(await api().choose_files())
}

/** The native "choose folder" dialog: an absolute path, null when cancelled. */
export async function chooseFolder(): Promise<string | null> {
  const chosen = await api().choose_folder()
  return typeof chosen === 'string' && chosen ? chosen : null
}

/** Imports files and folders by path (no HTTP upload); throws DesktopError on `{error}`. */
export async function importPaths(kbId: string, list: string[]): Promise<ImportResult> {
  const answer = await api().import_paths(kbId, list)
  if ('error' in answer && answer.error) throw new DesktopError(answer.error.code, answer.error.message)
  const result = answer as Partial<ImportResult>
  return {
    documents: result.documents ?? [],
    skipped: result.skipped ?? 0,
    skipped_folders: result.skipped_folders ?? 0,
    failed: result.failed ?? [],
    truncated: Boolean(result.truncated),
  }
}

export const openDataDir = async (): Promise<boolean> => Boolean(await api().open_data_dir())
/** Opens a document's stored original with the system's default program. */
export async function openDocument(kbId: string, docId: string): Promise<boolean> {
  const bridge = api()
  return typeof bridge.open_document === 'function' && Boolean(await bridge.open_document(kbId, docId))
}
/** Shows a linked folder's file where it lives, in the file manager. */
export async function showInFolder(kbId: string, docId: string): Promise<boolean> {
  const bridge = api()
  return typeof bridge.show_in_folder === 'function' && Boolean(await bridge.show_in_folder(kbId, docId))
}
export const openExternal = async (url: string): Promise<boolean> => Boolean(await api().open_external(url))

/** Calls `handler` with the real paths of every drop on the window; returns the unsubscribe. */
export function onNativeDrop(handler: (paths: string[]) => void): () => void {
  const listener = (e: CustomEvent<NativeDropDetail>): void => {
    const list = paths(e.detail?.paths)
    if (list.length) handler(list)
  }
  window.addEventListener(NATIVE_DROP_EVENT, listener)
  return () => window.removeEventListener(NATIVE_DROP_EVENT, listener)
}

/** How many native drops the window has announced so far (see `nativeDropAfter`). */
export const nativeDropCount = (): number => nativeDrops

/**
 * Resolves true when a native drop beyond the first `seen` arrives within `waitMs`: the
 * window's own drop listener announces the real paths a moment after the page's drop event.
 * False means none came, and the page should upload the bytes itself.
 */
export function nativeDropAfter(seen: number, waitMs: number): Promise<boolean> {
  if (nativeDrops > seen) return Promise.resolve(true)
  return new Promise((resolve) => {
    const listener = (): void => done(true)
    const done = (value: boolean): void => {
      clearTimeout(timer)
      window.removeEventListener(NATIVE_DROP_EVENT, listener)
      resolve(value)
    }
    const timer = setTimeout(() => done(nativeDrops > seen), waitMs)
    window.addEventListener(NATIVE_DROP_EVENT, listener)
  })
}

export function useDesktop() {
  return {
    isDesktop,
    whenDesktop,
    info: desktopInfo,
    chooseFiles,
    chooseFolder,
    importPaths,
    openDataDir,
    openExternal,
    onNativeDrop,
  }
}
