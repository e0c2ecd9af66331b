/**
 * @module bench/lib/svg
 * A small hand-rolled SVG line chart (log-scaled axes, one line per series, legend), so benchmark curves can be
 * committed as files and read on GitHub without plotting libraries or network access.
 */

/** One line of the chart: points as [x, y]; y ≤ 0 or NaN points are skipped. */
export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** @default 920 */
  width?: number;
  /** @default 520 */
  height?: number;
}

const COLORS = ['#d62728', '#ff7f0e', '#8c564b', '#1f77b4', '#17becf', '#2ca02c', '#9467bd', '#e377c2', '#7f7f7f', '#bcbd22'];
const DASH = ['', '', '', '6 3', '6 3', '2 3', '2 3', '8 3 2 3', '8 3 2 3', ''];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Powers of ten covering [lo, hi]. */
function decades(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
  return out;
}

const label = (v: number): string => (v >= 1000 ? `${v / 1000}k` : v >= 1 ? String(v) : String(Number(v.toPrecision(1))));

/** An SVG document: a log-log line chart of `series`. */
export function logLogChart(o: ChartOptions): string {
  const W = o.width ?? 920;
  const H = o.height ?? 520;
  const m = { left: 70, right: 270, top: 40, bottom: 55 };
  const pts = o.series.flatMap((s) => s.points.filter(([x, y]) => x > 0 && y > 0 && Number.isFinite(y)));
  const xs = decades(Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0])));
  const ys = decades(Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1])));
  const [x0, x1, y0, y1] = [Math.log10(xs[0]!), Math.log10(xs.at(-1)!), Math.log10(ys[0]!), Math.log10(ys.at(-1)!)];
  const px = (x: number) => m.left + ((Math.log10(x) - x0) / Math.max(1e-9, x1 - x0)) * (W - m.left - m.right);
  const py = (y: number) => H - m.bottom - ((Math.log10(y) - y0) / Math.max(1e-9, y1 - y0)) * (H - m.top - m.bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - m.right / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(o.title)}</text>`,
  ];
  for (const x of xs) {
    out.push(`<line x1="${px(x)}" y1="${m.top}" x2="${px(x)}" y2="${H - m.bottom}" stroke="#ddd"/>`);
    out.push(`<text x="${px(x)}" y="${H - m.bottom + 18}" text-anchor="middle">${label(x)}</text>`);
  }
  for (const y of ys) {
    out.push(`<line x1="${m.left}" y1="${py(y)}" x2="${W - m.right}" y2="${py(y)}" stroke="#ddd"/>`);
    out.push(`<text x="${m.left - 8}" y="${py(y) + 4}" text-anchor="end">${label(y)}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${W - m.left - m.right}" height="${H - m.top - m.bottom}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${m.left + (W - m.left - m.right) / 2}" y="${H - 15}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${m.top + (H - m.top - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  o.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const dash = DASH[i % DASH.length]!;
    const p = s.points.filter(([x, y]) => x > 0 && y > 0 && Number.isFinite(y));
    if (p.length > 0) {
      const d = p.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
      for (const [x, y] of p) out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${color}"/>`);
    }
    const ly = m.top + 10 + i * 20;
    out.push(`<line x1="${W - m.right + 15}" y1="${ly}" x2="${W - m.right + 45}" y2="${ly}" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    out.push(`<text x="${W - m.right + 52}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
