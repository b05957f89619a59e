import { afterEach, describe, expect, it, vi } from 'vitest';
import { deviceLabel } from '../../src/lib/device-label';

// The unit tests run in English (no browser language): the words are the `en` texts.
describe('deviceLabel', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it('when the server names a browser on a system, then the words around the names are the app language’s', () => {
    expect(deviceLabel('Chrome on Android')).toBe('Chrome on Android');
    expect(deviceLabel('Microsoft Edge on Windows')).toBe('Microsoft Edge on Windows');
  });

  it('when the server knows nothing of the device, then it is an unknown device', () => {
    expect(deviceLabel('Unknown device')).toBe('Unknown device');
  });

  it('when the name has no system (a program such as curl), then it is shown as it is', () => {
    expect(deviceLabel('curl')).toBe('curl');
    expect(deviceLabel('Firefox')).toBe('Firefox');
  });

  it('when the browser speaks Portuguese, then the device reads "Chrome no Android"', async () => {
    vi.stubGlobal('navigator', { languages: ['pt-BR'], language: 'pt-BR' });
    vi.resetModules();
    const { deviceLabel: portuguese } = await import('../../src/lib/device-label');

    expect(portuguese('Chrome on Android')).toBe('Chrome no Android');
    expect(portuguese('Unknown device')).toBe('Aparelho desconhecido');
  });
});
