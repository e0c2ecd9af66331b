/**
 * @module bench/lib/footprint
 * How much a system keeps: bytes its files take on disk (allocated blocks, so a sparse LMDB map counts what is
 * written, not its mapped size) and the resident memory of a process (from /proc, Linux only).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Allocated bytes of every file under `path` (recursively); 0 when it does not exist. */
export function diskBytes(path: string): number {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.blocks * 512;
  let n = 0;
  for (const f of readdirSync(path)) n += diskBytes(join(path, f));
  return n;
}

/**
 * Resident set size of process `pid` and all its descendants (a `serve --workers` primary and its workers), in
 * bytes; undefined where /proc cannot tell.
 */
export function processTreeRss(pid: number | undefined): number | undefined {
  const own = processRss(pid);
  if (pid === undefined || own === undefined) return own;
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // no children file (an older kernel): the process alone
  }
  return children.reduce((sum, c) => sum + (processTreeRss(c) ?? 0), own);
}

/** `pid` and all its descendants' pids (empty when `pid` is undefined). */
export function processTree(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // no children file (an older kernel): the process alone
  }
  return [pid, ...children.flatMap((c) => processTree(c))];
}

/** Resident set size of process `pid` in bytes (VmRSS), or undefined where /proc cannot tell. */
export function processRss(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}
