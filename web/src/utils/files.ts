/**
 * Files from a drop or a picker, folders walked recursively. Hidden files and folders
 * (".DS_Store", ".git/") are skipped. Each file keeps its path inside the dropped folder
 * as its display name, so "notes/a.md" and "drafts/a.md" stay apart.
 */

export interface PickedFile {
  file: File
  name: string
}

export interface PickResult {
  files: PickedFile[]
  skippedHidden: number
}

const isHidden = (name: string): boolean => name.startsWith('.') || name === 'Thumbs.db'

interface FsEntry {
  isFile: boolean
  isDirectory: boolean
  name: string
  fullPath: string
}
interface FsFileEntry extends FsEntry {
  file: (ok: (f: File) => void, fail: (e: unknown) => void) => void
}
interface FsDirEntry extends FsEntry {
  createReader: () => { readEntries: (ok: (e: FsEntry[]) => void, fail: (e: unknown) => void) => void }
}

function readAll(dir: FsDirEntry): Promise<FsEntry[]> {
  const reader = dir.createReader()
  const all: FsEntry[] = []
  // readEntries answers in batches (100 in Chromium) until it answers an empty one.
  return new Promise((resolve, reject) => {
    const next = (): void =>
      reader.readEntries((batch) => {
        if (batch.length === 0) resolve(all)
        else {
          all.push(...batch)
          next()
        }
      }, reject)
    next()
  })
}

async function walk(entry: FsEntry, out: PickResult): Promise<void> {
  if (isHidden(entry.name)) {
    out.skippedHidden++
    return
  }
  if (entry.isFile) {
    const file = await new Promise<File>((ok, fail) => (entry as FsFileEntry).file(ok, fail))
    out.files.push({ file, name: entry.fullPath.replace(/^\//, '') || file.name })
  } else if (entry.isDirectory) {
    for (const child of await readAll(entry as FsDirEntry)) await walk(child, out)
  }
}

export async function filesFromDataTransfer(dt: DataTransfer): Promise<PickResult> {
  const out: PickResult = { files: [], skippedHidden: 0 }
  const entries: FsEntry[] = []
  const loose: File[] = []
  // Entries must be taken synchronously: the DataTransfer empties after the first await.
  for (const item of Array.from(dt.items ?? [])) {
    if (item.kind !== 'file') continue
    const entry = (item as DataTransferItem & { webkitGetAsEntry?: () => FsEntry | null })
      .webkitGetAsEntry?.()
    if (entry) entries.push(entry)
    else {
      const f = item.getAsFile()
      if (f) loose.push(f)
    }
  }
  if (entries.length === 0 && loose.length === 0) loose.push(...Array.from(dt.files ?? []))
  for (const entry of entries) {
    try {
      await walk(entry, out)
    } catch {
      // An unreadable entry (permissions, a vanished file) is skipped, not fatal.
    }
  }
  for (const f of loose) {
    if (isHidden(f.name)) out.skippedHidden++
    else out.files.push({ file: f, name: f.name })
  }
  return out
}

export function filesFromInput(list: FileList | null): PickResult {
  const out: PickResult = { files: [], skippedHidden: 0 }
  for (const f of Array.from(list ?? [])) {
    const rel = (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name
    if (rel.split('/').some(isHidden)) out.skippedHidden++
    else out.files.push({ file: f, name: rel })
  }
  return out
}
