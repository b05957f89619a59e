/** How far a copy is (migrate-data's progress bar). */
export interface CopyProgress {
  /** Called with the work done so far and the total, in bytes of history. */
  onProgress?: (done: number, total: number) => void;
}
