/** Importing a .wowkb package: the new knowledge base is listed, selected and announced;
 * a refused package shows the server's error and lists nothing new. */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import KbPackageImport from './KbPackageImport.vue'
import { i18n } from '@/i18n'
import { ApiError } from '@/api/http'
import { useKbStore } from '@/stores/kbs'
import type { KnowledgeBase } from '@/types/api'

const notify = vi.hoisted(() => vi.fn())
vi.mock('@/utils/notify', () => ({
  notifyError: (e: unknown) => notify('error', e instanceof Error ? e.message : String(e)),
  notifySuccess: (message: string) => notify('success', message),
}))
const importPackage = vi.hoisted(() => vi.fn())
vi.mock('@/api/packages', () => ({ importPackage }))
const listKbs = vi.hoisted(() => vi.fn())
vi.mock('@/api/kbs', () => ({ listKbs }))

const kb: KnowledgeBase = {
  id: 'k1',
  name: '手册 (2)',
  description: '',
  created_at: '2026-01-01T00:00:00Z',
  document_count: 2,
  chunk_count: 5,
  storage_bytes: 10,
} as KnowledgeBase

async function pick(wrapper: ReturnType<typeof mount>): Promise<void> {
  const input = wrapper.get('input[type="file"]')
  const file = new File(['PK'], 'h.wowkb', { type: 'application/zip' })
  Object.defineProperty(input.element, 'files', { value: [file], configurable: true })
  await input.trigger('change')
  await flushPromises()
}

beforeEach(() => {
  setActivePinia(createPinia())
  i18n.global.locale.value = 'en'
  notify.mockClear()
  importPackage.mockReset()
  listKbs.mockReset()
})

describe('KbPackageImport', () => {
  it('lists, selects and announces the imported knowledge base', async () => {
    importPackage.mockResolvedValue(kb)
    listKbs.mockResolvedValue([kb])
    const wrapper = mount(KbPackageImport, { global: { plugins: [i18n] } })
    await pick(wrapper)
    const kbs = useKbStore()
    expect(importPackage).toHaveBeenCalledOnce()
    expect(kbs.items.map((k) => k.name)).toEqual(['手册 (2)'])
    expect(kbs.selectedId).toBe('k1')
    expect(notify).toHaveBeenCalledWith('success', 'Imported the knowledge base “手册 (2)”.')
    expect(wrapper.get('[data-testid="kb-import"]').attributes('disabled')).toBeUndefined()
  })

  it('shows why a package was refused and lists nothing', async () => {
    importPackage.mockRejectedValue(new ApiError(422, 'package_mismatch', 'The manifest lies.'))
    const wrapper = mount(KbPackageImport, { global: { plugins: [i18n] } })
    await pick(wrapper)
    expect(notify).toHaveBeenCalledWith('error', 'The manifest lies.')
    expect(listKbs).not.toHaveBeenCalled()
    expect(useKbStore().items).toEqual([])
  })
})
