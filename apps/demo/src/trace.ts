/** One arrow of the sequence diagram. */
export interface TraceEvent {
  readonly kind: 'call' | 'reply' | 'error' | 'event';
  readonly from: string;
  readonly to: string;
  readonly label: string;
  /** Milliseconds since the run started. */
  readonly atMs: number;
}

const escape = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const COLORS: Record<TraceEvent['kind'], string> = { call: '#2563eb', reply: '#16a34a', error: '#dc2626', event: '#9333ea' };

/**
 * Renders a self-contained HTML page with an SVG sequence diagram: one lifeline per participant,
 * one arrow per call, reply, error and event, in time order. Opens in any browser, no network.
 */
export function renderTraceHtml(title: string, events: readonly TraceEvent[], maxArrows = 1500): string {
  const shown = events.slice(0, maxArrows);
  const participants: string[] = [];
  for (const e of shown) for (const p of [e.from, e.to]) if (!participants.includes(p)) participants.push(p);
  const colWidth = 150;
  const rowHeight = 22;
  const top = 60;
  const width = Math.max(600, participants.length * colWidth + 40);
  const height = top + shown.length * rowHeight + 40;
  const x = (name: string): number => 20 + participants.indexOf(name) * colWidth + colWidth / 2;
  const parts: string[] = [];
  participants.forEach((p) => {
    parts.push(`<g class="participant"><rect x="${x(p) - 65}" y="10" width="130" height="30" rx="6" fill="#f1f5f9" stroke="#334155"/>`);
    parts.push(`<text x="${x(p)}" y="30" text-anchor="middle">${escape(p)}</text>`);
    parts.push(`<line x1="${x(p)}" y1="40" x2="${x(p)}" y2="${height - 20}" stroke="#94a3b8" stroke-dasharray="4 4"/></g>`);
  });
  shown.forEach((e, i) => {
    const y = top + i * rowHeight;
    const x1 = x(e.from);
    const x2 = x(e.to);
    const color = COLORS[e.kind];
    const dash = e.kind === 'reply' || e.kind === 'error' ? ' stroke-dasharray="6 3"' : '';
    const label = `${escape(e.label)} <tspan fill="#64748b">+${e.atMs.toFixed(1)}ms</tspan>`;
    if (x1 === x2) {
      parts.push(`<path d="M${x1} ${y} h30 v10 h-30" fill="none" stroke="${color}"${dash} marker-end="url(#arrow-${e.kind})"/>`);
      parts.push(`<text x="${x1 + 36}" y="${y + 8}" font-size="11">${label}</text>`);
    } else {
      parts.push(`<line x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" stroke="${color}"${dash} marker-end="url(#arrow-${e.kind})"/>`);
      parts.push(`<text x="${(x1 + x2) / 2}" y="${y - 4}" text-anchor="middle" font-size="11">${label}</text>`);
    }
  });
  const markers = (Object.keys(COLORS) as TraceEvent['kind'][])
    .map((k) => `<marker id="arrow-${k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0 0L10 5L0 10z" fill="${COLORS[k]}"/></marker>`)
    .join('');
  const more = events.length > shown.length ? `<p>Showing the first ${shown.length} of ${events.length} arrows.</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;color:#0f172a}svg{font-family:ui-monospace,monospace;font-size:12px}
.legend span{margin-right:16px}</style></head>
<body><h1>${escape(title)}</h1>
<p class="legend">${(Object.keys(COLORS) as TraceEvent['kind'][]).map((k) => `<span style="color:${COLORS[k]}">&#9632; ${k}</span>`).join('')}</p>${more}
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="sequence diagram">
<defs>${markers}</defs>${parts.join('\n')}</svg></body></html>
`;
}
