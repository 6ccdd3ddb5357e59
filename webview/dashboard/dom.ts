/** Attributes, properties and listeners of an element built with `h`. */
export interface ElementSpec {
  class?: string;
  /** Attributes, set with setAttribute (data-testid, aria-*, role, …); false/undefined leaves one out. */
  attrs?: Record<string, string | boolean | undefined>;
  text?: string;
  on?: Record<string, (event: Event) => void>;
}

/** Builds an element; text always goes in as text (run names and messages come from files). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, spec: ElementSpec = {}, children: (Node | string)[] = []): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (spec.class) element.className = spec.class;
  for (const [name, value] of Object.entries(spec.attrs ?? {})) {
    if (value === true) element.setAttribute(name, '');
    else if (typeof value === 'string') element.setAttribute(name, value);
  }
  if (spec.text !== undefined) element.textContent = spec.text;
  for (const [type, listener] of Object.entries(spec.on ?? {})) element.addEventListener(type, listener);
  element.append(...children);
  return element;
}

const SVG = 'http://www.w3.org/2000/svg';

/** A 16×16 icon from one path (drawn in currentColor), for buttons without the codicon font. */
export function icon(path: string): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '16');
  svg.setAttribute('height', '16');
  svg.setAttribute('aria-hidden', 'true');
  const shape = document.createElementNS(SVG, 'path');
  shape.setAttribute('d', path);
  shape.setAttribute('fill', 'currentColor');
  svg.append(shape);
  return svg;
}

/** Icon paths (16×16 grid). */
export const ICONS = {
  save: 'M8 1.5a.5.5 0 0 1 .5.5v7.3l2.65-2.65a.5.5 0 0 1 .7.7l-3.5 3.5a.5.5 0 0 1-.7 0l-3.5-3.5a.5.5 0 1 1 .7-.7L7.5 9.3V2a.5.5 0 0 1 .5-.5ZM2.5 11a.5.5 0 0 1 .5.5V13h10v-1.5a.5.5 0 0 1 1 0V13.5a.5.5 0 0 1-.5.5h-11a.5.5 0 0 1-.5-.5v-2a.5.5 0 0 1 .5-.5Z',
  play: 'M4.5 2.8v10.4a.5.5 0 0 0 .76.43l8.3-5.2a.5.5 0 0 0 0-.86l-8.3-5.2a.5.5 0 0 0-.76.43Z',
  stop: 'M3.5 3h9a.5.5 0 0 1 .5.5v9a.5.5 0 0 1-.5.5h-9a.5.5 0 0 1-.5-.5v-9a.5.5 0 0 1 .5-.5Z',
  diff: 'M2 2.5A.5.5 0 0 1 2.5 2h4a.5.5 0 0 1 .5.5v11a.5.5 0 0 1-.5.5h-4a.5.5 0 0 1-.5-.5v-11ZM3 3v10h3V3H3Zm6-.5a.5.5 0 0 1 .5-.5h4a.5.5 0 0 1 .5.5v11a.5.5 0 0 1-.5.5h-4a.5.5 0 0 1-.5-.5v-11ZM10 3v10h3V3h-3Z',
} as const;
