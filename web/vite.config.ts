/// <reference types="vitest/config" />
import { defineConfig, loadEnv, type Plugin } from 'vite'
import { fileURLToPath } from 'node:url'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

// pdf.js reads character maps and standard fonts as files at run time (Chinese PDFs often
// lean on fonts they do not embed): they ship inside the build, never fetched from a CDN.
function pdfjsAssets(): Plugin {
  const root = fileURLToPath(new URL('./node_modules/pdfjs-dist/', import.meta.url))
  return {
    name: 'wowrag-pdfjs-assets',
    apply: 'build',
    generateBundle() {
      for (const folder of ['cmaps', 'standard_fonts']) {
        for (const name of readdirSync(join(root, folder))) {
          if (name.endsWith('.md') || name.startsWith('LICENSE')) continue
          this.emitFile({ type: 'asset', fileName: `pdfjs/${folder}/${name}`, source: readFileSync(join(root, folder, name)) })
        }
      }
    },
  }
}

// In dev, the backend runs separately: WOWRAG_BACKEND=http://127.0.0.1:PORT npm run dev
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, process.cwd(), 'WOWRAG_')
  const target = env.WOWRAG_BACKEND ?? process.env.WOWRAG_BACKEND ?? 'http://127.0.0.1:8765'
  const proxied = { target, changeOrigin: false }
  return {
    base: './',
    resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
    define: {
      __VUE_I18N_FULL_INSTALL__: true,
      __VUE_I18N_LEGACY_API__: false,
      __INTLIFY_PROD_DEVTOOLS__: false,
    },
    plugins: [
      vue(),
      pdfjsAssets(),
      Components({
        dts: 'src/components.d.ts',
        dirs: [],
        resolvers: [ElementPlusResolver({ importStyle: 'css' })],
      }),
    ],
    server: {
      proxy: { '/api': proxied, '/v1': proxied, '/stream_chat': proxied },
    },
    build: {
      outDir: 'dist',
      emptyOutDir: true,
      chunkSizeWarningLimit: 900,
      reportCompressedSize: true,
    },
    test: {
      environment: 'jsdom',
      include: ['src/**/*.spec.ts'],
      // Element Plus's ES modules import their CSS: let Vite (not Node) load them.
      server: { deps: { inline: ['element-plus'] } },
    },
  }
})
