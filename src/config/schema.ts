import schemaJson from './schema.json';

/** The subset of JSON Schema draft-07 (plus VS Code's annotation keywords) that the config schema uses. */
export interface JsonSchemaNode {
  $schema?: string;
  $id?: string;
  title?: string;
  description?: string;
  markdownDescription?: string;
  type?: JsonSchemaType | JsonSchemaType[];
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  additionalProperties?: boolean;
  items?: JsonSchemaNode;
  minItems?: number;
  maxItems?: number;
  enum?: unknown[];
  enumDescriptions?: string[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  pattern?: string;
  /** Message shown when `pattern` does not match (VS Code understands this keyword too). */
  patternErrorMessage?: string;
}

export type JsonSchemaType = 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';

/** The config JSON Schema (schema.json): the single source of truth for validation, defaults and editor help. */
export const configSchema: JsonSchemaNode = schemaJson as JsonSchemaNode;

/** The schema of the value at a key path (array indices as strings), or undefined when the path is not in the schema. */
export function findSchemaNode(path: readonly string[]): JsonSchemaNode | undefined {
  let node: JsonSchemaNode | undefined = configSchema;
  for (const segment of path) {
    if (!node) return undefined;
    if (node.properties && Object.prototype.hasOwnProperty.call(node.properties, segment)) node = node.properties[segment];
    else if (node.items && /^\d+$/.test(segment)) node = node.items;
    else return undefined;
  }
  return node;
}

/** The keys an object at `path` may hold, in schema order (empty when the path is not an object in the schema). */
export function allowedKeys(path: readonly string[]): string[] {
  const node = findSchemaNode(path);
  return node?.properties ? Object.keys(node.properties).filter((key) => key !== '$schema') : [];
}

let sections: string[][] | undefined;

/** Every object section of the schema with its key path, root first. */
export function schemaSections(): readonly string[][] {
  if (sections) return sections;
  const found: string[][] = [];
  const visit = (node: JsonSchemaNode, path: string[]): void => {
    if (!node.properties) return;
    found.push(path);
    for (const [key, child] of Object.entries(node.properties)) visit(child, [...path, key]);
  };
  visit(configSchema, []);
  sections = found;
  return found;
}

/** Types the schema allows at a node, as a list. */
export function schemaTypes(node: JsonSchemaNode): JsonSchemaType[] {
  if (node.type === undefined) return [];
  return Array.isArray(node.type) ? node.type : [node.type];
}
