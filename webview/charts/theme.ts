/** Chart colours and fonts, read from VS Code's `--vscode-*` theme variables. */
export interface ChartTheme {
  kind: 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';
  background: string;
  foreground: string;
  muted: string;
  grid: string;
  border: string;
  /** Run colours, in order; run i uses runColors[i % length]. */
  runColors: string[];
  /** The schedule preview line. */
  preview: string;
  /** Reference lines such as the clip threshold. */
  threshold: string;
  crosshair: string;
  fontFamily: string;
  fontSize: number;
  /** Opacity of the raw series drawn behind the smoothed one. */
  rawAlpha: number;
}

/** Reads a CSS custom property; returns '' when it is not set. */
export type CssVariableLookup = (name: string) => string;

const RUN_COLOR_VARIABLES: [string, string][] = [
  ['--vscode-charts-blue', '#3794ff'],
  ['--vscode-charts-orange', '#d18616'],
  ['--vscode-charts-green', '#89d185'],
  ['--vscode-charts-purple', '#b180d7'],
  ['--vscode-charts-red', '#f14c4c'],
  ['--vscode-charts-yellow', '#cca700'],
  ['--vscode-terminal-ansiCyan', '#11a8cd'],
  ['--vscode-terminal-ansiMagenta', '#bc3fbc'],
];

/** The theme of the page: `bodyClass` is document.body.className (VS Code sets vscode-light / vscode-dark / …). */
export function readTheme(lookup: CssVariableLookup, bodyClass: string): ChartTheme {
  const get = (name: string, fallback: string) => lookup(name).trim() || fallback;
  const kind = themeKind(bodyClass);
  const highContrast = kind === 'high-contrast' || kind === 'high-contrast-light';
  const dark = kind === 'dark' || kind === 'high-contrast';
  const foreground = get('--vscode-foreground', dark ? '#cccccc' : '#3b3b3b');
  const contrastBorder = lookup('--vscode-contrastBorder').trim();
  return {
    kind,
    background: get('--vscode-editor-background', dark ? '#1e1e1e' : '#ffffff'),
    foreground,
    muted: get('--vscode-descriptionForeground', withAlpha(foreground, 0.7)),
    grid: highContrast && contrastBorder ? withAlpha(contrastBorder, 0.5) : withAlpha(foreground, dark ? 0.1 : 0.12),
    border: get('--vscode-panel-border', withAlpha(foreground, 0.25)),
    runColors: RUN_COLOR_VARIABLES.map(([name, fallback]) => get(name, fallback)),
    preview: get('--vscode-descriptionForeground', withAlpha(foreground, 0.7)),
    threshold: get('--vscode-charts-red', '#f14c4c'),
    crosshair: withAlpha(foreground, 0.5),
    fontFamily: get('--vscode-font-family', 'system-ui, sans-serif'),
    fontSize: Number.parseFloat(lookup('--vscode-font-size')) || 13,
    rawAlpha: highContrast ? 0.4 : 0.22,
  };
}

export function themeKind(bodyClass: string): ChartTheme['kind'] {
  const classes = bodyClass.split(/\s+/);
  if (classes.includes('vscode-high-contrast-light')) return 'high-contrast-light';
  if (classes.includes('vscode-high-contrast')) return 'high-contrast';
  if (classes.includes('vscode-dark')) return 'dark';
  return 'light';
}

/**
 * The colour with its opacity multiplied by `alpha`: accepts #rgb, #rgba, #rrggbb, #rrggbbaa and rgb()/rgba(); other
 * forms are returned unchanged (still a valid colour, just not faded).
 */
export function withAlpha(color: string, alpha: number): string {
  const rgba = parseColor(color);
  if (!rgba) return color.trim();
  const [r, g, b, a] = rgba;
  return `rgba(${r}, ${g}, ${b}, ${round(a * alpha)})`;
}

/**
 * `color` at opacity `alpha` over `background`, as an opaque colour. Faint raw series use it rather than a
 * translucent stroke: a translucent zig-zag path is far slower to rasterize on a software canvas (no overlap
 * may blend twice), an opaque one is not.
 */
export function blend(color: string, background: string, alpha: number): string {
  const front = parseColor(color);
  const back = parseColor(background);
  if (!front || !back) return withAlpha(color, alpha);
  const a = front[3] * alpha;
  const mix = (i: number) => Math.round(front[i] * a + back[i] * (1 - a));
  return `rgb(${mix(0)}, ${mix(1)}, ${mix(2)})`;
}

/** [r, g, b, a] of #rgb, #rgba, #rrggbb, #rrggbbaa, rgb() or rgba(); null for other forms. */
export function parseColor(color: string): [number, number, number, number] | null {
  const c = color.trim();
  const hex = /^#([0-9a-f]{3,8})$/i.exec(c);
  if (hex && [3, 4, 6, 8].includes(hex[1].length)) {
    const digits = hex[1].length <= 4 ? [...hex[1]].map((d) => d + d).join('') : hex[1];
    const [r, g, b] = [0, 2, 4].map((i) => Number.parseInt(digits.slice(i, i + 2), 16));
    return [r, g, b, digits.length === 8 ? Number.parseInt(digits.slice(6, 8), 16) / 255 : 1];
  }
  const rgb = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)$/i.exec(c);
  if (!rgb) return null;
  const alpha = rgb[4] === undefined ? 1 : rgb[4].endsWith('%') ? Number.parseFloat(rgb[4]) / 100 : Number(rgb[4]);
  return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3]), alpha];
}

function round(value: number): number {
  return Math.round(Math.min(Math.max(value, 0), 1) * 1000) / 1000;
}
