import { PYTHON_BPE } from './pythonBpe';
import { PYTHON_DATA } from './pythonData';
import { PYTHON_HEADER } from './pythonHeader';
import { PYTHON_MODELS } from './pythonModels';
import { PYTHON_TRAINING } from './pythonTraining';

/** The standalone train.py of an export; `runName` (a config name: letters, digits, `.`, `_`, `-`) goes in its docstring. */
export function torchTrainScript(runName: string): string {
  return [PYTHON_HEADER.replace('{name}', runName), PYTHON_BPE, PYTHON_DATA, PYTHON_MODELS, PYTHON_TRAINING].join('\n\n');
}
