import { useState } from 'preact/hooks';

/**
 * A person's action that may fail (block, unblock, delete the account): `busy` while it runs, so that its
 * button cannot be pressed twice, and `problem`, the sentence `problemOf` makes of the failure, to show.
 */
export function useAction(problemOf: (error: unknown) => string) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  async function run(action: () => Promise<void>): Promise<void> {
    setBusy(true);
    setProblem(null);
    try {
      await action();
    } catch (error) {
      setProblem(problemOf(error));
    } finally {
      setBusy(false);
    }
  }
  return { busy, problem, run, clearProblem: () => setProblem(null) };
}
