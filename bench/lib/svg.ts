/**
 * Hand-written SVG line charts (no chart library): the delivery-latency distribution and the scale curves,
 * written next to the JSON so a reader looks instead of reading numbers.
 */

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  xLog?: boolean;
  yLog?: boolean;
  series: readonly Series[];
  /** Horizontal or vertical reference lines (targets), with a label. */
  marks?: readonly { axis: 'x' | 'y'; value: number; label: string }[];
  /** Where the legend goes, out of the curves' way: a distribution rises on the left and is empty bottom-right. */
  legend?: 'top-left' | 'bottom-right';
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const W = 720;
const H = 420;
const PAD = { left: 70, right: 20, top: 40, bottom: 60 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function ticks(min: number, max: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) out.push(10 ** e);
    return out;
  }
  const step = 10 ** Math.floor(Math.log10((max - min) / 5 || 1));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => (max - min) / s <= 8) ?? step * 10;
  const out: number[] = [];
  for (let v = Math.ceil(min / nice) * nice; v <= max + 1e-9; v += nice) out.push(Number(v.toPrecision(12)));
  return out;
}

const label = (v: number) => (Math.abs(v) >= 1e6 ? `${v / 1e6}M` : Math.abs(v) >= 1e3 ? `${v / 1e3}k` : String(Number(v.toPrecision(3))));

export function lineChart(o: ChartOptions): string {
  const all = o.series.flatMap((s) => s.points).filter(([x, y]) => (!o.xLog || x > 0) && (!o.yLog || y > 0));
  const markValues = (axis: 'x' | 'y') => (o.marks ?? []).filter((m) => m.axis === axis).map((m) => m.value);
  const xs = [...all.map(([x]) => x), ...markValues('x')];
  const ys = [...all.map(([, y]) => y), ...markValues('y')];
  let [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  let [yMin, yMax] = [Math.min(...ys), Math.max(...ys)];
  if (!o.yLog) yMin = Math.min(0, yMin);
  if (o.xLog) [xMin, xMax] = [10 ** Math.floor(Math.log10(xMin)), 10 ** Math.ceil(Math.log10(xMax))];
  if (o.yLog) [yMin, yMax] = [10 ** Math.floor(Math.log10(yMin)), 10 ** Math.ceil(Math.log10(yMax))];
  if (xMax === xMin) xMax = xMin + 1;
  if (yMax === yMin) yMax = yMin + 1;
  const t = (v: number, log: boolean | undefined) => (log ? Math.log10(v) : v);
  const px = (x: number) =>
    PAD.left + ((t(x, o.xLog) - t(xMin, o.xLog)) / (t(xMax, o.xLog) - t(xMin, o.xLog))) * (W - PAD.left - PAD.right);
  const py = (y: number) =>
    H - PAD.bottom - ((t(y, o.yLog) - t(yMin, o.yLog)) / (t(yMax, o.yLog) - t(yMin, o.yLog))) * (H - PAD.top - PAD.bottom);

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(o.title)}</text>`);
  for (const v of ticks(xMin, xMax, o.xLog ?? false)) {
    if (v < xMin || v > xMax) continue;
    parts.push(`<line x1="${px(v)}" x2="${px(v)}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#eee"/>`);
    parts.push(`<text x="${px(v)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${label(v)}</text>`);
  }
  for (const v of ticks(yMin, yMax, o.yLog ?? false)) {
    if (v < yMin || v > yMax) continue;
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${py(v)}" y2="${py(v)}" stroke="#eee"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${py(v) + 4}" text-anchor="end">${label(v)}</text>`);
  }
  parts.push(
    `<rect x="${PAD.left}" y="${PAD.top}" width="${W - PAD.left - PAD.right}" height="${H - PAD.top - PAD.bottom}" fill="none" stroke="#888"/>`,
  );
  parts.push(`<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 18}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${(PAD.top + H - PAD.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  for (const m of o.marks ?? []) {
    const line =
      m.axis === 'x'
        ? `<line x1="${px(m.value)}" x2="${px(m.value)}" y1="${PAD.top}" y2="${H - PAD.bottom}"`
        : `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${py(m.value)}" y2="${py(m.value)}"`;
    parts.push(`${line} stroke="#555" stroke-dasharray="4 3"/>`);
    const [lx, ly] = m.axis === 'x' ? [px(m.value) + 4, PAD.top + 12] : [W - PAD.right - 4, py(m.value) - 4];
    parts.push(`<text x="${lx}" y="${ly}" fill="#555" text-anchor="${m.axis === 'x' ? 'start' : 'end'}">${esc(m.label)}</text>`);
  }
  o.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length] ?? '#000';
    const pts = s.points.filter(([x, y]) => (!o.xLog || x > 0) && (!o.yLog || y > 0));
    if (pts.length > 0) {
      parts.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`,
      );
      if (pts.length <= 12)
        for (const [x, y] of pts) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${color}"/>`);
    }
    // Text width is not known without a layout engine: 6.5 px a character is enough for the 12 px sans-serif.
    const widest = Math.max(...o.series.map((x) => x.name.length)) * 6.5 + 28;
    const [lx, ly] =
      o.legend === 'bottom-right'
        ? [W - PAD.right - 10 - widest, H - PAD.bottom - 10 - o.series.length * 16]
        : [PAD.left + 10, PAD.top + 8];
    if (i === 0) {
      const box = `x="${lx - 6}" y="${ly - 8}" width="${widest + 12}" height="${o.series.length * 16 + 6}"`;
      parts.push(`<rect ${box} fill="white" fill-opacity="0.85"/>`);
    }
    parts.push(`<rect x="${lx}" y="${ly + i * 16}" width="12" height="3" fill="${color}"/>`);
    parts.push(`<text x="${lx + 18}" y="${ly + 5 + i * 16}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
