// @ts-check
// Runs in a worker thread (piscina): bcrypt in JavaScript is pure CPU, and on the main thread every login
// would stall every message for tens of milliseconds.
import bcrypt from 'bcryptjs';

/**
 * @param {{ op: 'hash', password: string, cost: number } | { op: 'compare', password: string, hash: string }} task
 * @returns {Promise<string | boolean>}
 */
export default async function run(task) {
  return task.op === 'hash' ? bcrypt.hash(task.password, task.cost) : bcrypt.compare(task.password, task.hash);
}
