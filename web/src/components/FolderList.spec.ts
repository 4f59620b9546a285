/** Linked folders: each shows as a `folder-item` with its status; a typed path links a
 * folder in the browser; unlinking asks whether to keep the documents. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import FolderList from './FolderList.vue'
import { i18n } from '@/i18n'
import type { LinkedFolder } from '@/types/api'

const api = vi.hoisted(() => ({ listFolders: vi.fn(), linkFolder: vi.fn(), unlinkFolder: vi.fn() }))
vi.mock('@/api/folders', () => api)
const load = vi.hoisted(() => vi.fn(async () => undefined))
vi.mock('@/stores/documents', () => ({ useDocumentStore: () => ({ load }) }))
const confirm = vi.hoisted(() => vi.fn())
vi.mock('element-plus', async (original) => ({
  ...(await original<typeof import('element-plus')>()),
  ElMessageBox: { confirm },
}))

const folder = (status: LinkedFolder['status'], id = 'f1'): LinkedFolder => ({
  id,
  kb_id: 'kb1',
  path: `/home/u/${id}`,
  status,
  last_synced_at: '2026-12-07T03:00:00.000Z',
  document_count: 3,
})

async function mounted() {
  const wrapper = mount(FolderList, { props: { kbId: 'kb1' }, global: { plugins: [i18n] } })
  await flushPromises()
  return wrapper
}

afterEach(() => {
  vi.clearAllMocks()
})

describe('FolderList', () => {
  it('shows each linked folder with its status, path and document count', async () => {
    i18n.global.locale.value = 'en'
    api.listFolders.mockResolvedValue([folder('watching'), folder('missing', 'f2')])
    const wrapper = await mounted()
    const items = wrapper.findAll('[data-testid="folder-item"]')
    expect(items.map((i) => i.attributes('data-status'))).toEqual(['watching', 'missing'])
    expect(items[0]?.text()).toContain('/home/u/f1')
    expect(items[0]?.text()).toContain('3 documents')
    expect(items[1]?.text()).toContain('Folder missing')
    wrapper.unmount()
  })

  it('links a typed path in the browser', async () => {
    api.listFolders.mockResolvedValue([])
    api.linkFolder.mockResolvedValue(folder('syncing'))
    const wrapper = await mounted()
    await wrapper.get('[data-testid="folder-link"]').trigger('click')
    await wrapper.get('form input').setValue('  /home/u/notes ')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(api.linkFolder).toHaveBeenCalledWith('kb1', '/home/u/notes')
    wrapper.unmount()
  })

  it.each([
    ['keeps', undefined, true],
    ['removes', 'cancel', false],
  ])('unlinking %s the documents as chosen', async (_, rejection, keep) => {
    api.listFolders.mockResolvedValue([folder('watching')])
    confirm.mockImplementation(() => (rejection ? Promise.reject(rejection) : Promise.resolve()))
    const wrapper = await mounted()
    await wrapper.get('[data-testid="folder-item"] button').trigger('click')
    await flushPromises()
    expect(api.unlinkFolder).toHaveBeenCalledWith('kb1', 'f1', keep)
    wrapper.unmount()
  })

  it('closing the question unlinks nothing', async () => {
    api.listFolders.mockResolvedValue([folder('watching')])
    confirm.mockRejectedValue('close')
    const wrapper = await mounted()
    await wrapper.get('[data-testid="folder-item"] button').trigger('click')
    await flushPromises()
    expect(api.unlinkFolder).not.toHaveBeenCalled()
    wrapper.unmount()
  })
})
