#!/usr/bin/env node
// Draws Papo's app icons (a white speech bubble on teal) straight into PNG files, with no image library:
// the icons are committed, so this only runs when the design changes (`npm run icons:pwa`).
// Maskable icons keep the drawing inside the central 80% circle that launchers may crop to
// (https://web.dev/articles/maskable-icon).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons');
const TEAL = [11, 110, 99];
const WHITE = [255, 255, 255];
const SAMPLES = 4; // 4x4 supersampling per pixel for smooth edges

function insideRoundedRect(x, y, cx, cy, w, h, r) {
  const dx = Math.max(Math.abs(x - cx) - (w / 2 - r), 0);
  const dy = Math.max(Math.abs(y - cy) - (h / 2 - r), 0);
  return Math.abs(x - cx) <= w / 2 && Math.abs(y - cy) <= h / 2 && dx * dx + dy * dy <= r * r;
}

function insideTriangle(x, y, [ax, ay], [bx, by], [cx, cy]) {
  const s1 = (bx - ax) * (y - ay) - (by - ay) * (x - ax);
  const s2 = (cx - bx) * (y - by) - (cy - by) * (x - bx);
  const s3 = (ax - cx) * (y - cy) - (ay - cy) * (x - cx);
  return (s1 >= 0 && s2 >= 0 && s3 >= 0) || (s1 <= 0 && s2 <= 0 && s3 <= 0);
}

/** Colour at a point of the unit square, or null for transparent. `scale` shrinks the bubble about the centre. */
function shade(x, y, { scale, fullBleed }) {
  const background = fullBleed || insideRoundedRect(x, y, 0.5, 0.5, 1, 1, 0.22) ? TEAL : null;
  const u = (x - 0.5) / scale + 0.5;
  const v = (y - 0.5) / scale + 0.5;
  const inDot = [0.36, 0.5, 0.64].some((dx) => (u - dx) ** 2 + (v - 0.47) ** 2 <= 0.045 ** 2);
  if (inDot) return TEAL;
  const inBubble = insideRoundedRect(u, v, 0.5, 0.47, 0.64, 0.46, 0.13) || insideTriangle(u, v, [0.27, 0.64], [0.22, 0.82], [0.45, 0.66]);
  return inBubble ? WHITE : background;
}

function render(size, options) {
  const rgba = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const colour = shade((px + (sx + 0.5) / SAMPLES) / size, (py + (sy + 0.5) / SAMPLES) / size, options);
          if (colour) {
            r += colour[0];
            g += colour[1];
            b += colour[2];
            a += 1;
          }
        }
      }
      const i = (py * size + px) * 4;
      if (a > 0) {
        rgba[i] = Math.round(r / a);
        rgba[i + 1] = Math.round(g / a);
        rgba[i + 2] = Math.round(b / a);
      }
      rgba[i + 3] = Math.round((255 * a) / (SAMPLES * SAMPLES));
    }
  }
  return encodePng(size, size, rgba);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function encodePng(width, height, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  const rows = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    rows[y * (width * 4 + 1)] = 0; // filter: none
    rgba.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const ICONS = [
  { file: 'icon-192.png', size: 192, scale: 1, fullBleed: false },
  { file: 'icon-512.png', size: 512, scale: 1, fullBleed: false },
  { file: 'icon-maskable-512.png', size: 512, scale: 0.72, fullBleed: true },
  // iOS draws its own rounded corners and shows transparency as black: full bleed.
  { file: 'apple-touch-icon.png', size: 180, scale: 0.85, fullBleed: true },
  { file: 'favicon-48.png', size: 48, scale: 1, fullBleed: false },
];

mkdirSync(OUT, { recursive: true });
for (const icon of ICONS) {
  writeFileSync(join(OUT, icon.file), render(icon.size, icon));
  console.log(`icons: wrote ${icon.file} (${icon.size}x${icon.size})`);
}
