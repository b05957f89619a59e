import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { sizeBudget } from './scripts/size-budget.ts';

const API = 'http://127.0.0.1:3000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    // `npm run dev`: the UI from Vite, the API from a running `npm start` (same origin for the cookie).
    proxy: { '/api': API, '/healthz': API },
  },
  plugins: [
    preact(),
    VitePWA({
      // Registered from main.tsx: the injected registration would be an extra request, and the CSP forbids inline scripts.
      injectRegister: false,
      strategies: 'generateSW',
      // The way back if a release ever ships a broken service worker: build once with PAPO_SW_SELF_DESTROY=1 and
      // deploy; installed apps then get a worker that deletes its caches and unregisters itself.
      selfDestroying: process.env.PAPO_SW_SELF_DESTROY === '1',
      manifest: {
        id: '/',
        name: 'Papo',
        short_name: 'Papo',
        // In the manifest's language (lang), then in English: a manifest has one description (issue #19, item 9).
        description:
          'Mensagens diretas que chegam, mesmo depois de uma conexão ruim. Direct messages that arrive, even after a bad connection.',
        lang: 'pt-BR',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: '#0b6e63',
        background_color: '#ffffff',
        categories: ['social'],
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // The app shell only. /api/* is never cached: messages live in IndexedDB, where the app controls them.
        globPatterns: ['**/*.{js,css,html,png,webmanifest}'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [/^\/api(\/|$)/, /^\/healthz$/],
        runtimeCaching: [],
        cleanupOutdatedCaches: true,
        inlineWorkboxRuntime: true,
        clientsClaim: true,
        skipWaiting: true,
        // Notification clicks open the conversation (pwa/public/sw-notifications.js).
        importScripts: ['/sw-notifications.js'],
      },
    }),
    sizeBudget(60),
  ],
});
