/**
 * A problem in a dataset, located in its file. `line` and `column` are 1-based; both are 0 when the problem concerns
 * the whole file (empty, too small to split, unknown extension). `reason` is the sentence without the file name.
 */
export class DataError extends Error {
  override readonly name: string = 'DataError';

  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}
