/**
 * The drop zone chooses how files come in: in a browser the files themselves (uploaded over
 * HTTP); in the desktop window their paths (native dialogs, `wowrag:native-drop`), with the
 * upload only as a fallback. The browser tests run first: pywebview then arrives, as it does
 * in the real window, with `pywebviewready`.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import UploadDropZone from './UploadDropZone.vue'
import { i18n } from '@/i18n'
import { isDesktop, type PywebviewApi } from '@/composables/useDesktop'
import { useNativeDropImport } from '@/composables/useDesktopImport'
import { useDocumentStore } from '@/stores/documents'
import { useKbStore } from '@/stores/kbs'
import { useUiStore } from '@/stores/ui'
import type { PickResult } from '@/utils/files'

const notify = vi.hoisted(() => vi.fn())
vi.mock('@/utils/notify', () => ({
  notify,
  notifyInfo: (message: string) => notify('info', message),
  notifyError: (e: unknown) => notify('error', String(e)),
  notifySuccess: (message: string) => notify('success', message),
}))

const mountZone = () => mount(UploadDropZone, { global: { plugins: [i18n] }, attachTo: document.body })

function dataTransfer(...names: string[]): DataTransfer {
  const files = names.map((n) => new File(['hello'], n, { type: 'text/markdown' }))
  return { files, items: [], types: ['Files'] } as unknown as DataTransfer
}

const nativeDrop = (paths: string[]): boolean =>
  window.dispatchEvent(new CustomEvent('wowrag:native-drop', { detail: { paths } }))

beforeEach(() => {
  i18n.global.locale.value = 'en'
  notify.mockClear()
  document.body.innerHTML = ''
})
afterEach(() => {
  vi.useRealTimers()
})

describe('in a browser', () => {
  it('keeps the file inputs and uploads dropped files', async () => {
    const wrapper = mountZone()
    const zone = wrapper.get('[data-testid="upload-drop"]')
    expect(zone.attributes('data-mode')).toBe('browser')
    expect(wrapper.find('[data-testid="upload-input"]').exists()).toBe(true)
    expect(wrapper.find('input[webkitdirectory]').exists()).toBe(true)
    expect(wrapper.find('[data-testid="choose-files"]').exists()).toBe(false)

    await zone.trigger('drop', { dataTransfer: dataTransfer('a.md', '.DS_Store') })
    await flushPromises()
    const picked = wrapper.emitted('picked')?.[0]?.[0] as PickResult
    expect(picked.files.map((f) => f.name)).toEqual(['a.md'])
    expect(picked.skippedHidden).toBe(1)
    expect(wrapper.emitted('paths')).toBeUndefined()
  })

  it('opens the file input on click', async () => {
    const wrapper = mountZone()
    const input = wrapper.get<HTMLInputElement>('[data-testid="upload-input"]').element
    const click = vi.spyOn(input, 'click').mockImplementation(() => undefined)
    await wrapper.get('[data-testid="upload-drop"]').trigger('click')
    expect(click).toHaveBeenCalledOnce()
  })
})

describe('in the desktop window', () => {
  let api: PywebviewApi

  beforeEach(() => {
    api = {
      info: vi.fn(async () => ({ desktop: true as const, data_dir: '/d', platform: 'linux', extensions: [] })),
      choose_files: vi.fn(async () => ['/home/u/a.md', '/home/u/b.pdf']),
      choose_folder: vi.fn(async () => '/home/u/notes'),
      import_paths: vi.fn(async () => ({ documents: [], skipped: 0, skipped_folders: 0, failed: [], truncated: false })),
      open_data_dir: vi.fn(async () => true),
      open_external: vi.fn(async () => true),
    }
    window.pywebview = { api }
    window.dispatchEvent(new Event('pywebviewready'))
  })

  it('offers the native dialogs instead of file inputs', async () => {
    expect(isDesktop.value).toBe(true)
    const wrapper = mountZone()
    expect(wrapper.get('[data-testid="upload-drop"]').attributes('data-mode')).toBe('desktop')
    expect(wrapper.find('[data-testid="upload-input"]').exists()).toBe(false)

    await wrapper.get('[data-testid="choose-files"]').trigger('click')
    await flushPromises()
    expect(api.choose_files).toHaveBeenCalledOnce()
    await wrapper.get('[data-testid="choose-folder"]').trigger('click')
    await flushPromises()
    expect(api.choose_folder).toHaveBeenCalledOnce()
    expect(wrapper.emitted('paths')).toEqual([[['/home/u/a.md', '/home/u/b.pdf']], [['/home/u/notes']]])

    // A click on the zone itself chooses files too; a cancelled dialog emits nothing.
    api.choose_files = vi.fn(async () => [])
    await wrapper.get('[data-testid="upload-drop"]').trigger('click')
    await flushPromises()
    expect(api.choose_files).toHaveBeenCalledOnce()
    expect(wrapper.emitted('paths')).toHaveLength(2)
    expect(wrapper.emitted('picked')).toBeUndefined()
  })

  it('does not upload a drop the window announces by path', async () => {
    vi.useFakeTimers()
    const wrapper = mountZone()
    await wrapper.get('[data-testid="upload-drop"]').trigger('drop', { dataTransfer: dataTransfer('a.md') })
    await vi.advanceTimersByTimeAsync(100)
    nativeDrop(['/home/u/a.md'])
    await vi.advanceTimersByTimeAsync(2000)
    expect(wrapper.emitted('picked')).toBeUndefined()
  })

  it('falls back to the upload when no native drop follows within a second', async () => {
    vi.useFakeTimers()
    const wrapper = mountZone()
    await wrapper.get('[data-testid="upload-drop"]').trigger('drop', { dataTransfer: dataTransfer('a.md') })
    await vi.advanceTimersByTimeAsync(900)
    expect(wrapper.emitted('picked')).toBeUndefined()
    await vi.advanceTimersByTimeAsync(200)
    const picked = wrapper.emitted('picked')?.[0]?.[0] as PickResult
    expect(picked.files.map((f) => f.name)).toEqual(['a.md'])
  })

  it('imports a native drop into the selected knowledge base and tells the result', async () => {
    setActivePinia(createPinia())
    const doc = { id: 'd1', kb_id: 'k1', filename: 'a.md', status: 'queued' }
    api.import_paths = vi.fn(async () => ({ documents: [doc], skipped: 2, skipped_folders: 0, failed: [], truncated: false }) as never)
    vi.stubGlobal('fetch', vi.fn(async () => new Response('[]')))
    const Shell = defineComponent({
      setup() {
        useNativeDropImport()
        return () => h('div')
      },
    })
    const wrapper = mount(Shell, { global: { plugins: [i18n] } })
    const kbs = useKbStore()
    const docs = useDocumentStore()
    const ui = useUiStore()

    nativeDrop(['/home/u/a.md'])
    await flushPromises()
    expect(api.import_paths).not.toHaveBeenCalled()
    expect(notify).toHaveBeenCalledWith('info', i18n.global.t('desktop.dropNeedsKb'))

    kbs.selectedId = 'k1'
    docs.byKb.k1 = []
    nativeDrop(['/home/u/a.md', '/home/u/notes'])
    await flushPromises()
    expect(api.import_paths).toHaveBeenCalledWith('k1', ['/home/u/a.md', '/home/u/notes'])
    expect(ui.panel).toBe('documents')
    expect(docs.byKb.k1?.map((d) => d.id)).toEqual(['d1'])
    expect(notify).toHaveBeenLastCalledWith(
      'success',
      'Importing 1 file · 2 files skipped (unsupported type, hidden or unreadable)',
    )
    wrapper.unmount()
    nativeDrop(['/home/u/c.md'])
    await flushPromises()
    expect(api.import_paths).toHaveBeenCalledOnce()
  })
})
