import * as vscode from 'vscode';
import { fillTemplate, firstFreeName, parseTemplateCatalog, validateConfigName, type ConfigTemplate } from '../../config/templates';
import { yamlScalar } from '../../config/yamlText';
import { log } from '../log';

/** `Loss Lab: New Config…`: a starter config from media/templates/, with sample data when the folder has none. */
export function registerNewConfigCommand(context: vscode.ExtensionContext): void {
  const templates = vscode.Uri.joinPath(context.extensionUri, 'media', 'templates');
  context.subscriptions.push(vscode.commands.registerCommand('losslab.newConfig', (folder?: unknown) => newConfig(templates, folder)));
}

/** Asks for a template, a folder and a name, writes `<name>.lab.yaml` (and sample data), opens it; returns its Uri. */
async function newConfig(templates: vscode.Uri, folderArg: unknown): Promise<vscode.Uri | undefined> {
  const catalog = parseTemplateCatalog(await readText(vscode.Uri.joinPath(templates, 'templates.json')));
  const picked = await vscode.window.showQuickPick(
    catalog.map((template) => ({ label: template.label, description: template.description, detail: template.detail, template })),
    { title: 'Loss Lab: New Config', placeHolder: 'What should the model learn?', matchOnDescription: true, matchOnDetail: true },
  );
  if (!picked) return undefined;
  const folder = folderArg instanceof vscode.Uri ? await folderOf(folderArg) : await pickFolder();
  if (!folder) return undefined;

  const name = await askName(folder, picked.template);
  if (!name) return undefined;
  const target = vscode.Uri.joinPath(folder, `${name}.lab.yaml`);
  if (await exists(target)) {
    const overwrite = await vscode.window.showWarningMessage(`${name}.lab.yaml already exists in ${lastSegment(folder)}. Replace it?`, { modal: true }, 'Replace');
    if (overwrite !== 'Replace') return undefined;
  }

  const written = await copySampleData(templates, folder, picked.template);
  const text = fillTemplate(await readText(vscode.Uri.joinPath(templates, picked.template.file)), { name: yamlScalar(name) });
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
  log().info(`new config ${target.fsPath} from the "${picked.template.id}" template${written.length > 0 ? `, with sample data ${written.join(', ')}` : ''}`);
  await vscode.window.showTextDocument(target);
  return target;
}

// The explorer passes the item right-clicked: a folder, or a file whose folder is meant.
async function folderOf(uri: vscode.Uri): Promise<vscode.Uri> {
  try {
    return (await vscode.workspace.fs.stat(uri)).type & vscode.FileType.Directory ? uri : vscode.Uri.joinPath(uri, '..');
  } catch {
    return uri;
  }
}

async function pickFolder(): Promise<vscode.Uri | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 1) return folders[0].uri;
  if (folders.length > 1) return (await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Folder for the new config' }))?.uri;
  const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Create Config Here' });
  return chosen?.[0];
}

async function askName(folder: vscode.Uri, template: ConfigTemplate): Promise<string | undefined> {
  const taken = new Set<string>();
  try {
    for (const [file] of await vscode.workspace.fs.readDirectory(folder)) taken.add(file.toLowerCase());
  } catch {
    // An unreadable folder only means the proposed name may already be taken; writing asks before replacing.
  }
  const name = await vscode.window.showInputBox({
    title: 'Loss Lab: New Config',
    prompt: 'Name of the config; it also names the folder of its runs',
    value: firstFreeName(template.defaultName, (candidate) => taken.has(`${candidate}.lab.yaml`.toLowerCase())),
    validateInput: (value) => {
      const invalid = validateConfigName(value.trim());
      if (invalid) return invalid;
      if (!taken.has(`${value.trim()}.lab.yaml`.toLowerCase())) return undefined;
      return { message: `${value.trim()}.lab.yaml already exists; you will be asked before it is replaced.`, severity: vscode.InputBoxValidationSeverity.Warning };
    },
  });
  return name?.trim();
}

// The template's data paths are relative to the config, and media/templates/ holds a sample at each of them.
async function copySampleData(templates: vscode.Uri, folder: vscode.Uri, template: ConfigTemplate): Promise<string[]> {
  const written: string[] = [];
  for (const path of template.data) {
    const target = vscode.Uri.joinPath(folder, path);
    if (await exists(target)) continue;
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(target, '..'));
    await vscode.workspace.fs.copy(vscode.Uri.joinPath(templates, path), target, { overwrite: false });
    written.push(path);
  }
  return written;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

async function readText(uri: vscode.Uri): Promise<string> {
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
}

function lastSegment(folder: vscode.Uri): string {
  return folder.path.split('/').filter((segment) => segment !== '').pop() ?? folder.fsPath;
}
