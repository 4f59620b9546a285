/**
 * pdf.js for the viewer, loaded with the first PDF opened. Everything it needs is a file
 * of the app: the worker (a module worker, allowed by `script-src 'self'`), and the
 * character maps and standard fonts that vite.config.ts copies into the build (Chinese
 * PDFs often rely on fonts they do not embed). Eval is off, as the page's CSP demands.
 */
import { GlobalWorkerOptions, TextLayer, getDocument, type PDFDocumentProxy } from 'pdfjs-dist'
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url'
import '@/styles/pdf-text-layer.css'

GlobalWorkerOptions.workerSrc = workerUrl

export type PdfDocument = PDFDocumentProxy

const asset = (path: string): string => new URL(path, document.baseURI).href

export function loadPdf(url: string): Promise<PdfDocument> {
  return getDocument({
    url,
    isEvalSupported: false,
    cMapUrl: asset('pdfjs/cmaps/'),
    cMapPacked: true,
    standardFontDataUrl: asset('pdfjs/standard_fonts/'),
    enableXfa: false,
  }).promise
}

/**
 * Draws page `n` into `box`, `width` CSS pixels wide times `zoom`, with its text layer.
 * Answers the text layer, or null when `stale()` says a newer drawing took over.
 */
export async function renderPage(
  doc: PdfDocument,
  n: number,
  box: HTMLElement,
  width: number,
  zoom: number,
  stale: () => boolean,
): Promise<HTMLElement | null> {
  const page = await doc.getPage(n)
  if (stale()) return null
  const scale = (width / page.getViewport({ scale: 1 }).width) * zoom
  const viewport = page.getViewport({ scale })
  const ratio = window.devicePixelRatio || 1
  const canvas = document.createElement('canvas')
  canvas.width = Math.floor(viewport.width * ratio)
  canvas.height = Math.floor(viewport.height * ratio)
  canvas.style.width = `${Math.floor(viewport.width)}px`
  canvas.style.height = `${Math.floor(viewport.height)}px`
  await page.render({
    canvas,
    viewport,
    transform: ratio === 1 ? undefined : [ratio, 0, 0, ratio, 0, 0],
  }).promise
  if (stale()) return null
  const layer = document.createElement('div')
  layer.className = 'textLayer'
  await new TextLayer({ textContentSource: page.streamTextContent(), container: layer, viewport }).render()
  if (stale()) return null
  box.style.setProperty('--scale-factor', String(scale))
  box.style.setProperty('--total-scale-factor', String(scale))
  box.style.setProperty('--scale-round-x', '1px')
  box.style.setProperty('--scale-round-y', '1px')
  box.style.width = canvas.style.width
  box.style.height = canvas.style.height
  box.replaceChildren(canvas, layer)
  return layer
}
