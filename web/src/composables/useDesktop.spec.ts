/**
 * The desktop bridge with a mocked `window.pywebview`. The tests run in order: first as in
 * a browser (no pywebview), then pywebview arrives late and announces `pywebviewready`,
 * as the real window does.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  DesktopError,
  chooseFiles,
  chooseFolder,
  desktopInfo,
  importPaths,
  isDesktop,
  nativeDropAfter,
  nativeDropCount,
  onNativeDrop,
  openDataDir,
  whenDesktop,
  type PywebviewApi,
} from './useDesktop'
import { describeDesktopError, describeImport } from './useDesktopImport'
import { i18n } from '@/i18n'

function mockApi(over: Partial<PywebviewApi> = {}): PywebviewApi {
  return {
    info: vi.fn(async () => ({ desktop: true as const, data_dir: '/home/u/.wowrag', platform: 'linux', extensions: ['.md'] })),
    choose_files: vi.fn(async () => ['/a/one.md', '/a/two.pdf']),
    choose_folder: vi.fn(async () => '/a/notes'),
    import_paths: vi.fn(async () => ({ documents: [], skipped: 0, skipped_folders: 0, failed: [], truncated: false })),
    open_data_dir: vi.fn(async () => true),
    open_external: vi.fn(async () => true),
    ...over,
  }
}

const drop = (paths: unknown): boolean =>
  window.dispatchEvent(new CustomEvent('wowrag:native-drop', { detail: { paths } }))

afterEach(() => {
  vi.useRealTimers()
})

describe('in a browser', () => {
  it('is not the desktop, and waiting for it gives up', async () => {
    expect(isDesktop.value).toBe(false)
    vi.useFakeTimers()
    const waiting = whenDesktop(500)
    await vi.advanceTimersByTimeAsync(500)
    await expect(waiting).resolves.toBe(false)
    expect(isDesktop.value).toBe(false)
  })

  it('refuses the desktop calls with a DesktopError', async () => {
    await expect(chooseFiles()).rejects.toBeInstanceOf(DesktopError)
    await expect(importPaths('k1', ['/x'])).rejects.toMatchObject({ code: 'not_desktop' })
  })

  it('a pywebview object without its API yet is not ready', () => {
    window.pywebview = { api: {} }
    window.dispatchEvent(new Event('pywebviewready'))
    expect(isDesktop.value).toBe(false)
  })
})

describe('in the desktop window', () => {
  it('turns ready on pywebviewready, and whenDesktop resolves', async () => {
    const waiting = whenDesktop(5000)
    window.pywebview = { api: mockApi() }
    window.dispatchEvent(new Event('pywebviewready'))
    await expect(waiting).resolves.toBe(true)
    expect(isDesktop.value).toBe(true)
    await expect(whenDesktop(0)).resolves.toBe(true)
  })

  it('wraps info, the dialogs and open_data_dir', async () => {
    const api = mockApi({ choose_files: vi.fn(async () => ['/a/one.md', '', 3 as unknown as string]) })
    window.pywebview = { api }
    await expect(desktopInfo()).resolves.toMatchObject({ data_dir: '/home/u/.wowrag' })
    await expect(chooseFiles()).resolves.toEqual(['/a/one.md'])
    await expect(chooseFolder()).resolves.toBe('/a/notes')
    api.choose_folder = vi.fn(async () => null)
    await expect(chooseFolder()).resolves.toBeNull()
    api.choose_files = vi.fn(async () => null as unknown as string[])
    await expect(chooseFiles()).resolves.toEqual([])
    await expect(openDataDir()).resolves.toBe(true)
    expect(api.open_data_dir).toHaveBeenCalledOnce()
  })

  it('imports by path and normalises the answer', async () => {
    const api = mockApi({
      import_paths: vi.fn(async () => ({ documents: [], skipped: 2 }) as never),
    })
    window.pywebview = { api }
    await expect(importPaths('k1', ['/a/notes'])).resolves.toEqual({
      documents: [],
      skipped: 2,
      skipped_folders: 0,
      failed: [],
      truncated: false,
    })
    expect(api.import_paths).toHaveBeenCalledWith('k1', ['/a/notes'])
  })

  it('turns an {error} answer into a DesktopError', async () => {
    window.pywebview = {
      api: mockApi({
        import_paths: vi.fn(async () => ({ error: { code: 'not_found', message: 'No such knowledge base.' } })),
      }),
    }
    const error = await importPaths('gone', ['/x']).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DesktopError)
    expect(error).toMatchObject({ code: 'not_found', message: 'No such knowledge base.' })
    i18n.global.locale.value = 'en'
    expect(describeDesktopError(error)).toBe(i18n.global.t('errors.notFound'))
  })

  it('hands native drops to subscribers until they unsubscribe', () => {
    const seen: string[][] = []
    const off = onNativeDrop((paths) => seen.push(paths))
    drop(['/a/one.md', '/a/notes'])
    drop([])
    drop('not a list')
    off()
    drop(['/late.md'])
    expect(seen).toEqual([['/a/one.md', '/a/notes']])
  })

  it('tells whether a native drop followed a page drop in time', async () => {
    vi.useFakeTimers()
    const seen = nativeDropCount()
    const arrived = nativeDropAfter(seen, 1000)
    await vi.advanceTimersByTimeAsync(200)
    drop(['/a/one.md'])
    await expect(arrived).resolves.toBe(true)
    // Already seen: answers at once.
    await expect(nativeDropAfter(seen, 1000)).resolves.toBe(true)
    expect(nativeDropCount()).toBe(seen + 1)

    const missed = nativeDropAfter(nativeDropCount(), 1000)
    await vi.advanceTimersByTimeAsync(1000)
    await expect(missed).resolves.toBe(false)
  })
})

describe('describeImport', () => {
  const doc = { id: 'd', kb_id: 'k', filename: 'a.md' } as never

  it('says how many were imported and why others were skipped', () => {
    i18n.global.locale.value = 'en'
    const told = describeImport({ documents: [doc, doc], skipped: 3, skipped_folders: 1, failed: [], truncated: false })
    expect(told.type).toBe('success')
    expect(told.message).toContain('Importing 2 files')
    expect(told.message).toContain('3 files skipped (unsupported type')
    expect(told.message).toContain('1 hidden or system folder left out')
  })

  it('warns about failures, the limit, and nothing to import', () => {
    i18n.global.locale.value = 'en'
    const failed = describeImport({
      documents: [doc],
      skipped: 0,
      skipped_folders: 0,
      failed: [{ path: 'C:\\docs\\broken.pdf', code: 'unreadable', message: 'Permission denied' }],
      truncated: true,
    })
    expect(failed.type).toBe('warning')
    expect(failed.message).toContain('broken.pdf: Permission denied')
    expect(failed.message).toContain('Too many files')
    const nothing = describeImport({ documents: [], skipped: 4, skipped_folders: 0, failed: [], truncated: false })
    expect(nothing.type).toBe('warning')
    expect(nothing.message.startsWith('Nothing to import')).toBe(true)
  })

  it('speaks Chinese too', () => {
    i18n.global.locale.value = 'zh-CN'
    const told = describeImport({ documents: [doc], skipped: 2, skipped_folders: 0, failed: [], truncated: false })
    expect(told.message).toBe('正在导入 1 个文件 · 跳过 2 个文件（格式不支持、隐藏或无法读取）')
    i18n.global.locale.value = 'en'
  })
})
