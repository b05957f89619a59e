import { render } from 'preact';
import { App } from './app';
import { locale } from './lib/i18n';
import { IndexedDbChatCache } from './device/indexeddb-chat-cache';
import './styles/global.css';

document.documentElement.lang = locale;

if ('serviceWorker' in navigator && import.meta.env.PROD) {
  // After load, so the service worker's precache downloads never compete with the first screen's.
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch((error: unknown) => console.warn('papo: no service worker', error));
  });
}

const root = document.getElementById('app');
if (root) void IndexedDbChatCache.open().then((cache) => render(<App cache={cache} />, root));
