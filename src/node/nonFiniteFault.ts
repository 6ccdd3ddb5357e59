/**
 * `LOSSLAB_TEST_NONFINITE=7` (or `7,12`): the tests' way to make the first attempt at step 7 of a new run non-finite,
 * once, as a loss spike would; a retry of that step and every other step train normally.
 */
export function nonFiniteFaultFromEnv(value: string | undefined): ((step: number) => boolean) | undefined {
  if (!value || !/^\d+(,\d+)*$/.test(value)) return undefined;
  const pending = new Set(value.split(',').map(Number));
  return (step) => pending.delete(step);
}
