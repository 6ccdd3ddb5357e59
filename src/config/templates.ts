import { configSchema } from './schema';

/** One entry of media/templates/templates.json: a starter config and the sample data it trains on. */
export interface ConfigTemplate {
  id: string;
  /** Quick-pick label, description and detail. */
  label: string;
  description: string;
  detail: string;
  /** The config text's file in media/templates/, with `{{name}}` placeholders. */
  file: string;
  /** Proposed run name. */
  defaultName: string;
  /** Data files the config names, relative to the config; the same paths under media/templates/ hold samples. */
  data: string[];
}

/** Values for a template's placeholders. */
export interface TemplateValues {
  name: string;
}

const PLACEHOLDER = /\{\{(\w+)\}\}/g;
const SAFE_RELATIVE_PATH = /^(?![\\/])(?!.*(?:^|[\\/])\.\.(?:[\\/]|$))[\w./-]+$/;

/** Reads templates.json, checking every field (a broken catalog should fail loudly in tests, not in the quick pick). */
export function parseTemplateCatalog(json: string): ConfigTemplate[] {
  const catalog = JSON.parse(json) as { templates?: unknown };
  if (!Array.isArray(catalog.templates)) throw new Error('templates.json: expected {"templates": [...]}');
  return catalog.templates.map((entry: unknown, index) => {
    const template = entry as Partial<Record<keyof ConfigTemplate, unknown>>;
    for (const key of ['id', 'label', 'description', 'detail', 'file', 'defaultName'] as const) {
      if (typeof template[key] !== 'string' || template[key] === '') throw new Error(`templates.json: templates[${index}].${key} must be a non-empty string`);
    }
    const data = template.data;
    if (!Array.isArray(data) || !data.every((path) => typeof path === 'string' && SAFE_RELATIVE_PATH.test(path))) {
      throw new Error(`templates.json: templates[${index}].data must list relative paths inside the config's folder`);
    }
    return template as ConfigTemplate;
  });
}

/** The template text with `{{key}}` replaced; an unknown placeholder is an error, so none can reach a user's file. */
export function fillTemplate(text: string, values: TemplateValues): string {
  return text.replace(PLACEHOLDER, (placeholder, key: string) => {
    if (!Object.prototype.hasOwnProperty.call(values, key)) throw new Error(`template placeholder ${placeholder} has no value`);
    return values[key as keyof TemplateValues];
  });
}

/** Why `name` cannot be a config's name (the schema's pattern and message), or undefined when it can. */
export function validateConfigName(name: string): string | undefined {
  const node = configSchema.properties?.name;
  if (!node?.pattern) return undefined;
  if (new RegExp(node.pattern).test(name)) return undefined;
  return `The name ${node.patternErrorMessage ?? `must match ${node.pattern}`}.`;
}

/** `base`, or `base-2`, `base-3`, … : the first that `isTaken` refuses. */
export function firstFreeName(base: string, isTaken: (name: string) => boolean): string {
  if (!isTaken(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!isTaken(candidate)) return candidate;
  }
}
