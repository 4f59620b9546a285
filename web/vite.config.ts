/// <reference types="vitest/config" />
import { defineConfig, loadEnv } from 'vite'
import { fileURLToPath } from 'node:url'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

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
