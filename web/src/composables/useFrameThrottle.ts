/**
 * Runs a computation at most once per animation frame, however often its input changes.
 * If one run takes longer than a frame, the next waits about as long again, so a huge
 * answer slows its own repaint instead of the page.
 */
import { onBeforeUnmount } from 'vue'

export function useFrameThrottle(work: () => void): { schedule: () => void; flush: () => void } {
  let frame: number | null = null
  let timer: ReturnType<typeof setTimeout> | null = null
  let lastCost = 0

  function run(): void {
    frame = null
    timer = null
    const t0 = performance.now()
    work()
    lastCost = performance.now() - t0
  }

  function schedule(): void {
    if (frame !== null || timer !== null) return
    if (lastCost > 16) timer = setTimeout(() => (frame = requestAnimationFrame(run)), lastCost)
    else frame = requestAnimationFrame(run)
  }

  function flush(): void {
    if (frame !== null) cancelAnimationFrame(frame)
    if (timer !== null) clearTimeout(timer)
    run()
  }

  onBeforeUnmount(() => {
    if (frame !== null) cancelAnimationFrame(frame)
    if (timer !== null) clearTimeout(timer)
  })

  return { schedule, flush }
}
