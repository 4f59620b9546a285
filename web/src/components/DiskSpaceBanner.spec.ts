/** The disk banner shows only when the data folder's disk is low or full, and the line
 * variant shows the free space (and a knowledge base's size) as /api/info reports it. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import DiskSpaceBanner from './DiskSpaceBanner.vue'
import { i18n } from '@/i18n'
import type { DiskState } from '@/types/api'

const getInfo = vi.hoisted(() => vi.fn())
vi.mock('@/api/settings', () => ({ getInfo }))

const GB = 1024 ** 3
const state = (free: number, low: boolean, full: boolean): DiskState => ({
  free_bytes: free,
  total_bytes: 100 * GB,
  min_free_bytes: 300 * 1024 ** 2,
  low,
  full,
})

async function mounted(disk: DiskState, props: Record<string, unknown> = {}) {
  getInfo.mockResolvedValue({ version: '1', disk })
  const wrapper = mount(DiskSpaceBanner, { props, global: { plugins: [i18n] } })
  await flushPromises()
  return wrapper
}

afterEach(() => {
  i18n.global.locale.value = 'en'
})

describe('DiskSpaceBanner', () => {
  it('stays hidden while the disk has room', async () => {
    const wrapper = await mounted(state(50 * GB, false, false))
    expect(wrapper.find('[data-testid="disk-banner"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('warns below 1 GB and says what to do when full', async () => {
    i18n.global.locale.value = 'en'
    const low = await mounted(state(0.5 * GB, true, false))
    expect(low.get('[data-testid="disk-banner"]').attributes('data-level')).toBe('low')
    low.unmount()
    i18n.global.locale.value = 'zh-CN'
    const full = await mounted(state(10 * 1024 ** 2, true, true))
    const banner = full.get('[data-testid="disk-banner"]')
    expect(banner.attributes('data-level')).toBe('full')
    expect(banner.text()).toContain('磁盘已满')
    expect(banner.text()).toContain('10 MB')
    full.unmount()
  })

  it('shows the free space and the size of a knowledge base as a line', async () => {
    const wrapper = await mounted(state(12 * GB, false, false), { variant: 'line', kbBytes: 3 * 1024 ** 2 })
    const line = wrapper.get('[data-testid="disk-free"]').text()
    expect(line).toContain('12 GB')
    expect(line).toContain('3.0 MB')
    wrapper.unmount()
  })
})
