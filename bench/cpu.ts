/**
 * CPU time by component (Linux /proc): every process under this one, grouped by which of our
 * processes it belongs to. On a two-core box the storm is CPU-bound, so CPU per charge says where
 * the time goes more reliably than wall time on a machine that may be busy.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

interface Proc {
  pid: number;
  ppid: number;
  cpuMs: number;
  cmd: string;
}

function readProcs(): Proc[] {
  const procs: Proc[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may contain spaces) start at state.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(rest[1]);
      const ticks = Number(rest[11]) + Number(rest[12]);
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      procs.push({ pid: Number(entry), ppid, cpuMs: (ticks * 1000) / TICKS_PER_SECOND, cmd });
    } catch {
      // gone meanwhile
    }
  }
  return procs;
}

function groupOf(cmd: string): string {
  if (cmd.includes('temporal-server')) return 'temporal server';
  if (cmd.includes('temporal-ui-server')) return 'web ui';
  if (cmd.startsWith('temporal ') || cmd.includes('/temporal server')) return 'temporal server';
  if (cmd.includes('postgres')) return 'postgresql';
  if (cmd.includes('minimal-worker-main')) return 'minimal workers';
  if (cmd.includes('worker-main')) return 'workers';
  if (cmd.includes('api-main')) return 'api';
  if (cmd.includes('emulator-main')) return 'emulator';
  return 'bench driver';
}

/** CPU milliseconds used so far by each group of processes below (and including) `root`. */
export function cpuByGroup(root = process.pid): Map<string, number> {
  const procs = readProcs();
  const children = new Map<number, Proc[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const totals = new Map<string, number>();
  const walk = (p: Proc, group: string) => {
    totals.set(group, (totals.get(group) ?? 0) + p.cpuMs);
    for (const child of children.get(p.pid) ?? []) walk(child, group === 'bench driver' ? groupOf(child.cmd) : group);
  };
  const self = procs.find((p) => p.pid === root);
  if (self) walk(self, 'bench driver');
  return totals;
}

/** The CPU each group used between two readings. */
export function cpuSince(before: Map<string, number>, after: Map<string, number> = cpuByGroup()): Map<string, number> {
  const used = new Map<string, number>();
  for (const [group, ms] of after) used.set(group, ms - (before.get(group) ?? 0));
  return used;
}
