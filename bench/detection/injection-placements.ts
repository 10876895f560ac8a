/**
 * Where an injection payload sits in a response an agent reads: plain text, a
 * visible HTML paragraph, HTML a human does not see (a comment, display:none,
 * alt / title / aria-label attributes, a meta description), a JSON field, an SSE
 * event, an MCP tool result (JSON-RPC over JSON and over SSE). Each wraps the
 * payload in ordinary surrounding content so a scanner sees it in context.
 */
import type { DetectionCase } from './case.js';

type Input = DetectionCase['input'];

const FILLER =
  'The service returns results in pages of fifty. Use the cursor from the previous page to fetch the next one. ' +
  'Rate limits apply per key; the response carries the remaining quota in a header.';

const attr = (s: string): string => s.replaceAll('&', '&amp;').replaceAll('"', '&quot;');
const html = (head: string, body: string): Input => ({
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body: `<!doctype html><html><head><title>Orders API</title>${head}</head><body><h1>Orders API</h1><p>${FILLER}</p>${body}<p>${FILLER}</p></body></html>`,
});
const json = (value: unknown): Input => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
const mcpResult = (text: string): unknown => ({ jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text }], isError: false } });

export const PLACEMENTS: Readonly<Record<string, (payload: string) => Input>> = {
  text: (p) => ({ headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${FILLER}\n\n${p}\n\n${FILLER}\n` }),
  // Visible text as a page author writes it: a literal '<' escaped.
  'html-visible': (p) => html('', `<p>${p.replaceAll('<', '&lt;')}</p>`),
  'html-comment': (p) => html('', `<!-- ${p} -->`),
  'html-display-none': (p) => html('', `<div style="display:none">${p}</div>`),
  'html-alt': (p) => html('', `<img src="/chart.png" alt="${attr(p)}">`),
  'html-title': (p) => html('', `<a href="/orders" title="${attr(p)}">Orders</a>`),
  'html-aria-label': (p) => html('', `<button aria-label="${attr(p)}">Next</button>`),
  'html-meta': (p) => html(`<meta name="description" content="${attr(p)}">`, ''),
  'json-field': (p) => json({ items: [{ id: 1, name: 'Widget', description: p, price: 12.5 }], next: null }),
  sse: (p) => ({
    headers: { 'content-type': 'text/event-stream' },
    body: `event: message\ndata: ${JSON.stringify({ delta: FILLER })}\n\nevent: message\ndata: ${JSON.stringify({ delta: p })}\n\n`,
  }),
  'mcp-result': (p) => json(mcpResult(`Search results:\n1. ${FILLER}\n2. ${p}`)),
  'mcp-result-sse': (p) => ({ headers: { 'content-type': 'text/event-stream' }, body: `event: message\ndata: ${JSON.stringify(mcpResult(p))}\n\n` }),
};

/** Placements that keep the payload visible to a human reader: the rest are the hidden ones. */
export const VISIBLE = new Set(['text', 'html-visible', 'json-field', 'sse', 'mcp-result', 'mcp-result-sse']);
