import { describe, expect, it } from 'vitest';
import { renderTraceHtml } from './trace.js';

describe('renderTraceHtml', () => {
  it('draws one lifeline per participant and escapes every label', () => {
    const html = renderTraceHtml('run <1>', [
      { kind: 'call', from: 'a', to: 'b', label: 'b (<script>)', atMs: 1 },
      { kind: 'error', from: 'b', to: 'a', label: 'TIMEOUT', atMs: 2 },
      { kind: 'call', from: 'a', to: 'a', label: 'self', atMs: 3 },
    ]);
    expect(html).toContain('<title>run &lt;1&gt;</title>');
    expect(html).not.toContain('<script>');
    expect(html.match(/class="participant"/g)).toHaveLength(2);
    expect(html).toContain('TIMEOUT');
  });

  it('says when it shows only part of a long run', () => {
    const events = Array.from({ length: 20 }, (_, i) => ({ kind: 'call' as const, from: 'a', to: 'b', label: String(i), atMs: i }));
    expect(renderTraceHtml('t', events, 5)).toContain('Showing the first 5 of 20 arrows.');
  });
});
