/**
 * Does an HTML start tag hide its content from a human reader? Looks at the
 * attributes only (no stylesheet is resolved): `hidden`, `aria-hidden="true"`,
 * and inline styles with display:none, visibility:hidden, font-size:0,
 * opacity:0, zero height with overflow hidden, far-off-screen positioning,
 * clip to nothing, or white text on a white background.
 *
 * @example
 * hiddenReason('<div style="display: none">'); // 'display:none'
 * hiddenReason('<p class="lead">');            // undefined
 */
const STYLE = /\bstyle\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/;
const WHITE = '(?:#fff(?:fff)?|white|rgba?\\(\\s*255\\s*,\\s*255\\s*,\\s*255[^)]*\\))';
const COLOR_WHITE = new RegExp(`(?:^|[;\\s])color\\s*:\\s*${WHITE}`);
const BACKGROUND_WHITE = new RegExp(`background(?:-color)?\\s*:\\s*${WHITE}`);

function styleReason(style: string): string | undefined {
  const s = style.toLowerCase();
  if (/display\s*:\s*none/.test(s)) return 'display:none';
  if (/visibility\s*:\s*(?:hidden|collapse)/.test(s)) return 'visibility:hidden';
  if (/font-size\s*:\s*0(?:\.0*)?(?:px|em|rem|pt|%)?\s*(?:;|!|$)/.test(s)) return 'font-size:0';
  if (/(?:^|[;\s])opacity\s*:\s*0(?:\.0*)?\s*(?:;|!|$)/.test(s)) return 'opacity:0';
  if (/(?:left|top|text-indent)\s*:\s*-\d{4,}/.test(s)) return 'off-screen';
  if (/clip\s*:\s*rect\(\s*0/.test(s) || /clip-path\s*:\s*inset\(\s*(?:50|100)%/.test(s)) return 'clipped';
  if (/(?:^|[;\s])(?:height|max-height)\s*:\s*0(?:px)?\s*(?:;|!|$)/.test(s) && /overflow\s*:\s*hidden/.test(s)) return 'zero-height';
  if (COLOR_WHITE.test(s) && BACKGROUND_WHITE.test(s)) return 'white-on-white';
  return undefined;
}

export function hiddenReason(tag: string): string | undefined {
  const t = tag.toLowerCase();
  if (/\s(?:hidden)(?=[\s=/>]|$)/.test(t)) return 'hidden';
  if (/\saria-hidden\s*=\s*["']?true/.test(t)) return 'aria-hidden';
  const m = STYLE.exec(t);
  if (m) return styleReason(m[1] ?? m[2] ?? m[3] ?? '');
  return undefined;
}
