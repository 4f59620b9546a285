/** The data folder's disk, as GET /api/info reports it: one shared state, refreshed while
 * something shows it (every minute, and at once when asked, e.g. after a delete). */
import { computed, onBeforeUnmount, onMounted, ref } from 'vue'
import { getInfo } from '@/api/settings'
import type { DiskState } from '@/types/api'

const REFRESH_MS = 60_000
const disk = ref<DiskState | null>(null)
let watchers = 0
let timer: ReturnType<typeof setInterval> | null = null

export async function refreshDiskSpace(): Promise<void> {
  try {
    disk.value = (await getInfo())?.disk ?? null
  } catch {
    // The banner is a hint: a failed refresh keeps the last known state.
  }
}

export function useDiskSpace() {
  onMounted(() => {
    watchers++
    if (watchers === 1) {
      void refreshDiskSpace()
      timer = setInterval(() => void refreshDiskSpace(), REFRESH_MS)
    }
  })
  onBeforeUnmount(() => {
    watchers--
    if (watchers === 0 && timer) {
      clearInterval(timer)
      timer = null
    }
  })
  return {
    disk,
    level: computed<'ok' | 'low' | 'full'>(() =>
      disk.value?.full ? 'full' : disk.value?.low ? 'low' : 'ok',
    ),
  }
}
