import { grown } from './lineColumns';

/**
 * A run's metrics as growable Float64Array columns, one per field (the host's wire format kept as it came): a
 * 100 000-step history is nine buffers, not 100 000 objects. `columns` are views of the filled part, valid until the
 * next append; appends add only what follows the last row's key (so a resent history never repeats a row).
 */
export class MetricTable<F extends string> {
  private data: Record<F, Float64Array>;
  private size: number;
  private view: Record<F, Float64Array> | null = null;

  /** Adopts `columns` (not copied: the table grows into new buffers the first time it is appended to). */
  constructor(private readonly fields: readonly F[], columns: Record<F, Float64Array>, private readonly key: F) {
    this.data = columns;
    this.size = columns[key].length;
  }

  static empty<F extends string>(fields: readonly F[], key: F): MetricTable<F> {
    const columns = {} as Record<F, Float64Array>;
    for (const field of fields) columns[field] = new Float64Array(0);
    return new MetricTable(fields, columns, key);
  }

  get length(): number {
    return this.size;
  }

  get columns(): Record<F, Float64Array> {
    if (!this.view) {
      const view = {} as Record<F, Float64Array>;
      for (const field of this.fields) view[field] = this.data[field].subarray(0, this.size);
      this.view = view;
    }
    return this.view;
  }

  /** The last row's value of `field`, or NaN when there are no rows. */
  last(field: F): number {
    return this.size ? this.data[field][this.size - 1] : Number.NaN;
  }

  /** Appends the rows of `columns` whose key is above the last row's (keys ascend); returns the rows added, as views. */
  append(columns: Record<F, Float64Array>): Record<F, Float64Array> {
    const lastKey = this.size ? this.data[this.key][this.size - 1] : 0;
    const keys = columns[this.key];
    let from = 0;
    while (from < keys.length && !(keys[from] > lastKey)) from++;
    const added = {} as Record<F, Float64Array>;
    const count = keys.length - from;
    // An empty table adopts the rows as they are (a history is then held once, not copied); growing copies them later.
    const adopt = this.size === 0;
    for (const field of this.fields) {
      const fresh = columns[field].subarray(from);
      added[field] = fresh;
      if (adopt) this.data[field] = fresh;
      if (count === 0 || adopt) continue;
      if (this.size + count > this.data[field].length) this.data[field] = grown(this.data[field], this.size + count);
      this.data[field].set(fresh, this.size);
    }
    if (count > 0) {
      this.size += count;
      this.view = null;
    }
    return added;
  }
}
