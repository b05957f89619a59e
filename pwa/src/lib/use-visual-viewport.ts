import { useEffect } from 'preact/hooks';

/**
 * Keeps `--app-height` equal to the visible viewport. Android Chrome already shrinks the layout for the keyboard
 * (`interactive-widget=resizes-content` in index.html); iOS Safari does not, and only `visualViewport` knows the
 * keyboard's size there. Set through CSSOM, which the CSP allows (no inline style attribute).
 */
export function useVisualViewport(): void {
  useEffect(() => {
    const viewport = window.visualViewport;
    if (!viewport) return;
    const root = document.documentElement;
    const update = () => root.style.setProperty('--app-height', `${Math.round(viewport.height)}px`);
    update();
    viewport.addEventListener('resize', update);
    return () => {
      viewport.removeEventListener('resize', update);
      root.style.removeProperty('--app-height');
    };
  }, []);
}
