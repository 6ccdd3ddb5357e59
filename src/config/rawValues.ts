import { parseJsonConfig } from './parseJson';
import { parseYamlConfig } from './parseYaml';
import { dirnamePath, resolvePath } from './paths';
import { configSchema } from './schema';
import { LineIndex, MAX_CONFIG_CHARS, pathKey, type ParsedDocument, type TextRange } from './sourceMap';

/** A data file named by a config, where the name is written and where it resolves to. */
export interface DataFileReference {
  path: 'data.train' | 'data.val';
  /** The path as written. */
  value: string;
  /** Resolved against the config's folder. */
  resolved: string;
  /** The value in the source text (quotes included). */
  range: TextRange;
}

/**
 * The data files a config text names (data.train, data.val), read from the document as written: this works while
 * other parts of the config still have errors, as long as the text parses.
 */
export function dataFileReferences(text: string, fileName: string, configDir = dirnamePath(fileName)): DataFileReference[] {
  const document = readDocument(text, fileName);
  if (!document) return [];
  const references: DataFileReference[] = [];
  for (const key of ['train', 'val'] as const) {
    const value = stringAt(document.value, ['data', key]);
    const location = document.locations.get(pathKey(['data', key]));
    if (value === undefined || value.trim() === '' || !location) continue;
    references.push({ path: `data.${key}`, value, resolved: resolvePath(configDir, value), range: location.value });
  }
  return references;
}

/** The config's `name` when it is written and valid (safe as a folder name), even if other parts have errors. */
export function configNameIn(text: string, fileName: string): string | undefined {
  const document = readDocument(text, fileName);
  const name = document ? stringAt(document.value, ['name']) : undefined;
  const pattern = configSchema.properties?.name.pattern;
  return name !== undefined && pattern !== undefined && new RegExp(pattern).test(name) ? name : undefined;
}

function readDocument(text: string, fileName: string): ParsedDocument | undefined {
  if (text.length > MAX_CONFIG_CHARS) return undefined;
  try {
    const lines = new LineIndex(text);
    const document = /\.json$/i.test(fileName) ? parseJsonConfig(text, lines) : parseYamlConfig(text, lines);
    return document.fatal ? undefined : document;
  } catch {
    // The parsers' own guards cover hostile input; a surprise here only means "no references found".
    return undefined;
  }
}

function stringAt(value: unknown, path: string[]): string | undefined {
  let node = value;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || Array.isArray(node) || !Object.prototype.hasOwnProperty.call(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'string' ? node : undefined;
}
