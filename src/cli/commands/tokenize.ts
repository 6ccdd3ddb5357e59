import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Vocabulary } from '../../engine/data/vocab';
import { UserError, formatDiagnostic, loadConfigFile } from '../../node/configFile';
import { readDatasetFile } from '../../node/dataFiles';
import { loadConfigData } from '../../node/preparedData';
import { readRunVocabulary } from '../../node/runFolder';
import { userFacing } from '../../node/userFacing';
import type { CliCommand } from '../command';
import { requireRunFolder } from '../runFolderArgument';

/** A run's vocabulary (a folder), or the one a config's training data gives (a file), as train would build it. */
async function vocabularyOf(target: string): Promise<Vocabulary> {
  const info = await stat(target).catch(() => null);
  if (info?.isDirectory()) {
    await requireRunFolder('tokenize', target);
    return readRunVocabulary(target);
  }
  const loaded = await loadConfigFile(target);
  for (const warning of loaded.warnings) process.stderr.write(`${formatDiagnostic(warning)}\n`);
  const data = await userFacing(async () => loadConfigData(loaded.config, loaded.file, (notice) => process.stderr.write(`${loaded.file}: note: ${notice}\n`)));
  return data.vocab;
}

export const tokenizeCommand: CliCommand = {
  name: 'tokenize',
  usage: 'tokenize RUN_DIR|CONFIG (--file FILE | --text TEXT)',
  summary: "print the token ids of a text as one JSON array, with a run's tokenizer or the one a config's data gives",
  options: [
    ['--file FILE', 'tokenize the contents of FILE (UTF-8)'],
    ['--text TEXT', 'tokenize TEXT'],
  ],
  async run(args, { print }) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { file: { type: 'string' }, text: { type: 'string' } } });
    if (positionals.length !== 1) throw new UserError('tokenize needs one RUN_DIR or CONFIG, e.g. losslab tokenize .losslab/runs/story/<run id> --text "Once upon a time"');
    if ((values.file === undefined) === (values.text === undefined)) throw new UserError('tokenize needs exactly one of --file FILE or --text TEXT');
    const text = values.text ?? (await userFacing(async () => readDatasetFile(values.file as string, '--file')));
    const vocab = await vocabularyOf(positionals[0]);
    print(JSON.stringify(vocab.encode(text)));
    return 0;
  },
};
