// Prints the gzipped size of the built JavaScript (run after `npm run build`).
import { readdirSync, readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { join } from 'node:path'

const dir = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', 'dist', 'assets')
let raw = 0
let gz = 0
for (const name of readdirSync(dir).filter((n) => n.endsWith('.js')).sort()) {
  const bytes = readFileSync(join(dir, name))
  const z = gzipSync(bytes, { level: 9 }).length
  raw += bytes.length
  gz += z
  console.log(`${name.padEnd(40)} ${(bytes.length / 1024).toFixed(1).padStart(8)} KiB  gzip ${(z / 1024).toFixed(1).padStart(7)} KiB`)
}
console.log(`${'total JS'.padEnd(40)} ${(raw / 1024).toFixed(1).padStart(8)} KiB  gzip ${(gz / 1024).toFixed(1).padStart(7)} KiB`)
