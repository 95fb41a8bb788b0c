/**
 * The emulator's memory: billing keys, payments, idempotency records, scripted outcomes and a
 * log of every charge attempt. Optionally persisted, so that `npm start` and the emulator process
 * keep billing keys across restarts (a real gateway does).
 *
 * Persistence is an append-only journal of JSON lines. Each line is a patch in the shape of the
 * state, appended when something changes:
 *
 *   {"billingKeys":{"bk_…":{"authorization":…,"card":…}}}   a billing key issued (null: removed)
 *   {"payments":{"tbill…":{…the whole payment}}}             a payment stored, or updated by a cancel
 *   {"charges":[{…one charge attempt}]}                       a charge attempt recorded
 *   {"reset":true}                                            everything before it is forgotten
 *
 * Lines made in one event-loop turn are written together, with one append and no fsync: a renewal
 * storm costs one small write per turn instead of rewriting the whole state. On load the lines are
 * replayed in order. A snapshot is one line holding the whole state `{billingKeys, payments,
 * charges}`, which is also the older single-JSON format: such a file loads as a one-line journal
 * and is rewritten in the new form. A last line cut off by a crash in the middle of an append is
 * ignored (its change was never acknowledged as saved). On load, the file is rewritten as one
 * snapshot (compacted) when it needs repair, or when it is large and mostly superseded lines.
 */
import { openSync, closeSync, fstatSync, ftruncateSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { PRIVATE_FILE_MODE, tightenFile, writePrivateFileAtomic } from '../infra/private-files';
import type { TossBillingAuthorization, TossCurrency, TossPayment } from '../gateway/toss-types';
import type { TestCard } from './test-cards';

export interface StoredBillingKey {
  authorization: TossBillingAuthorization;
  card: TestCard;
}

export interface IdempotencyRecord {
  state: 'processing' | 'done';
  status: number;
  body: unknown;
  expiresAtMs: number;
}

/** One charge attempt as the emulator saw it; never holds the billing key. */
export interface ChargeRecord {
  orderId: string;
  customerKey: string;
  /** Minor units of `currency`. */
  amount: number;
  currency: TossCurrency;
  /** `DONE` or the error code answered. */
  result: string;
  paymentKey: string | null;
  at: string;
}

/** One journal line; a snapshot (and the older single-JSON file) is one patch holding everything. */
interface Patch {
  reset?: true;
  billingKeys?: Record<string, StoredBillingKey | null>;
  payments?: Record<string, TossPayment | null>;
  /** Files written before charges carried a currency hold won charges without the field. */
  charges?: (Omit<ChargeRecord, 'currency'> & { currency?: TossCurrency })[];
}

export interface EmulatorStoreOptions {
  /**
   * Compact on load when the journal is at least this big and at least half of it is superseded
   * (payments updated since, entries before a reset). Default 1 MiB.
   */
  compactMinBytes?: number;
}

/** What loading the journal found and did; `npm run emulator` prints it. */
export interface JournalLoad {
  /** Patches replayed. */
  lines: number;
  bytes: number;
  /** The last line was cut off (a crash in the middle of an append) and was ignored. */
  tornTail: boolean;
  /** The file was in the older single-JSON format. */
  migrated: boolean;
  /** The file was rewritten as one snapshot line. */
  compacted: boolean;
}

const DEFAULT_COMPACT_MIN_BYTES = 1024 * 1024;

/** The journal's name in the data directory. It keeps the older format's name, so that file is found and migrated. */
export const EMULATOR_STATE_FILE = 'toss-emulator-state.json';

/** A Map whose writes are reported, so that whoever sets an entry also journals it. */
class JournaledMap<V> extends Map<string, V> {
  constructor(private readonly onChange: (key: string, value: V | null, previous: V | undefined) => void) {
    super();
  }

  override set(key: string, value: V): this {
    const previous = super.get(key);
    super.set(key, value);
    this.onChange(key, value, previous);
    return this;
  }

  override delete(key: string): boolean {
    if (!super.has(key)) return false;
    const previous = super.get(key);
    super.delete(key);
    this.onChange(key, null, previous);
    return true;
  }

  override clear(): void {
    for (const key of [...super.keys()]) this.delete(key);
  }
}

/** Stores with unwritten lines, written at exit: billing keys cannot be looked up again. */
const openStores = new Set<EmulatorStore>();
let exitHookInstalled = false;
function flushAtExit(store: EmulatorStore): void {
  openStores.add(store);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const open of openStores) {
      try {
        open.flush();
      } catch (error) {
        process.stderr.write(`toss emulator: could not save ${open.filePath}: ${(error as Error).message}\n`);
      }
    }
  });
}

export class EmulatorStore {
  /** Setting an entry journals it. */
  readonly billingKeys = new JournaledMap<StoredBillingKey>((key, value) => this.journal({ billingKeys: { [key]: value } }));
  /** Setting an entry (a new payment or an updated one) journals it and indexes its orderId. */
  readonly payments = new JournaledMap<TossPayment>((key, value, previous) => {
    if (previous && this.paymentKeyByOrderId.get(previous.orderId) === key) this.paymentKeyByOrderId.delete(previous.orderId);
    if (value) this.paymentKeyByOrderId.set(value.orderId, key);
    this.journal({ payments: { [key]: value } });
  });
  /** Derived from `payments`. */
  readonly paymentKeyByOrderId = new Map<string, string>();
  /** Not persisted, like before: a restarted emulator forgets them. */
  idempotency = new Map<string, IdempotencyRecord>();
  /** Scripted next outcomes by customerKey (`APPROVE` or an error code), consumed in order. Not persisted. */
  scripts = new Map<string, string[]>();
  /** Orders whose first response was already lost (for the `lost-response` card). Not persisted. */
  lostResponses = new Set<string>();
  readonly journalLoad: JournalLoad = { lines: 0, bytes: 0, tornTail: false, migrated: false, compacted: false };

  private chargeLog: ChargeRecord[] = [];
  private pending: string[] = [];
  private flushScheduled: NodeJS.Immediate | null = null;
  /** True while replaying or resetting: changes are not journaled. */
  private silent = false;

  constructor(
    readonly filePath?: string,
    options: EmulatorStoreOptions = {},
  ) {
    if (!filePath) return;
    flushAtExit(this);
    // The file holds plaintext billing keys: 0600, also when an older version wrote it 0644, and
    // no temporary copy left behind by an older version or by a compaction cut short.
    tightenFile(filePath);
    removeStaleTemporaryFiles(filePath);
    this.load(filePath, options.compactMinBytes ?? DEFAULT_COMPACT_MIN_BYTES);
  }

  /** Every charge attempt, in order. */
  get charges(): readonly ChargeRecord[] {
    return this.chargeLog;
  }

  recordCharge(charge: ChargeRecord): void {
    this.chargeLog.push(charge);
    this.journal({ charges: [charge] });
  }

  /** Writes the lines not written yet (they are also written at the end of the current turn, and at exit). */
  flush(): void {
    if (this.flushScheduled) clearImmediate(this.flushScheduled);
    this.flushScheduled = null;
    if (!this.filePath || this.pending.length === 0) return;
    const lines = this.pending;
    this.pending = [];
    try {
      appendPrivate(this.filePath, `${lines.join('\n')}\n`);
    } catch (error) {
      // Kept for the next try; what was written of them was taken back.
      this.pending = [...lines, ...this.pending];
      throw error;
    }
  }

  /** Flushes and stops writing at exit (tests that open many stores). */
  close(): void {
    this.flush();
    openStores.delete(this);
  }

  reset(): void {
    this.silent = true;
    try {
      this.billingKeys.clear();
      this.payments.clear();
    } finally {
      this.silent = false;
    }
    this.paymentKeyByOrderId.clear();
    this.idempotency.clear();
    this.scripts.clear();
    this.lostResponses.clear();
    this.chargeLog = [];
    this.journal({ reset: true });
  }

  nextScriptedOutcome(customerKey: string): string | undefined {
    const queue = this.scripts.get(customerKey);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.scripts.delete(customerKey);
    return next;
  }

  private journal(patch: Patch): void {
    if (!this.filePath || this.silent) return;
    this.pending.push(JSON.stringify(patch));
    if (this.flushScheduled) return;
    // One append per event-loop turn, however many changes the turn made.
    this.flushScheduled = setImmediate(() => {
      try {
        this.flush();
      } catch (error) {
        process.stderr.write(`toss emulator: could not append to ${this.filePath} (kept for the next write): ${(error as Error).message}\n`);
      }
    });
    this.flushScheduled.unref();
  }

  private snapshot(): string {
    const state: Patch = { billingKeys: Object.fromEntries(this.billingKeys), payments: Object.fromEntries(this.payments), charges: this.chargeLog };
    return `${JSON.stringify(state)}\n`;
  }

  private load(filePath: string, compactMinBytes: number): void {
    let text: string;
    try {
      text = readFileSync(filePath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const report = this.journalLoad;
    report.bytes = Buffer.byteLength(text);
    let superseded = 0;
    const apply = (patch: Patch, bytesBefore: number) => {
      superseded += this.apply(patch, bytesBefore);
      report.lines++;
    };
    this.silent = true;
    try {
      const lines = text.split('\n');
      // After the last newline: empty, or a line whose append was cut off (or the older format's only line).
      const tail = lines.pop() ?? '';
      let offset = 0;
      for (const [index, line] of lines.entries()) {
        const before = offset;
        offset += Buffer.byteLength(line) + 1;
        if (line.trim() === '') continue;
        const patch = parsePatch(line);
        if (patch) {
          apply(patch, before);
          continue;
        }
        // The older format, written with indentation by hand: one JSON document over many lines.
        const whole = index === 0 ? parsePatch(text) : null;
        if (whole) {
          apply(whole, 0);
          report.migrated = true;
          break;
        }
        throw new Error(`${filePath}:${index + 1}: not a journal line; the file is damaged (move it away to start the emulator empty)`);
      }
      if (tail.trim() !== '' && !report.migrated) {
        const patch = parsePatch(tail);
        if (patch) {
          apply(patch, offset);
          // Written by an older version (one JSON document, no newline), or cut off right before its newline.
          if (report.lines === 1 && patch.charges !== undefined && patch.billingKeys !== undefined) report.migrated = true;
        } else {
          report.tornTail = true;
        }
      }
    } finally {
      this.silent = false;
    }
    const unterminated = text.length > 0 && !text.endsWith('\n');
    const large = report.bytes >= compactMinBytes && superseded * 2 >= report.bytes;
    if (report.migrated || unterminated || large) {
      writePrivateFileAtomic(filePath, this.snapshot());
      report.compacted = true;
    }
  }

  /** Applies one journal line; returns how many bytes of earlier lines it makes obsolete. */
  private apply(patch: Patch, bytesBefore: number): number {
    let superseded = 0;
    if (patch.reset) {
      superseded = bytesBefore;
      this.billingKeys.clear();
      this.payments.clear();
      this.chargeLog = [];
    }
    const merge = <V>(map: Map<string, V>, entries: Record<string, V | null> | undefined) => {
      for (const [key, value] of Object.entries(entries ?? {})) {
        const previous = map.get(key);
        if (previous !== undefined) superseded += JSON.stringify(previous).length + key.length + 6;
        if (value === null) map.delete(key);
        else map.set(key, value);
      }
    };
    merge(this.billingKeys, patch.billingKeys);
    merge(this.payments, patch.payments);
    for (const charge of patch.charges ?? []) this.chargeLog.push({ ...charge, currency: charge.currency ?? 'KRW' });
    return superseded;
  }
}

function parsePatch(line: string): Patch | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const patch = value as Record<string, unknown>;
  const isRecord = (v: unknown) => v === undefined || (typeof v === 'object' && v !== null && !Array.isArray(v));
  if (!isRecord(patch.billingKeys) || !isRecord(patch.payments)) return null;
  if (patch.charges !== undefined && !Array.isArray(patch.charges)) return null;
  if (patch.reset !== undefined && patch.reset !== true) return null;
  if (patch.billingKeys === undefined && patch.payments === undefined && patch.charges === undefined && patch.reset === undefined) return null;
  return patch as Patch;
}

/**
 * Appends `data` to `file` (created 0600), all or nothing: when the write fails part way (a full
 * disk), the part written is cut off again, so that no torn line stays in front of later lines.
 */
function appendPrivate(file: string, data: string): void {
  const fd = openSync(file, 'a', PRIVATE_FILE_MODE);
  try {
    const size = fstatSync(fd).size;
    const buffer = Buffer.from(data);
    try {
      let written = 0;
      while (written < buffer.length) written += writeSync(fd, buffer, written);
    } catch (error) {
      try {
        ftruncateSync(fd, size);
      } catch {
        // The torn line is then ignored on load, as after a crash.
      }
      throw error;
    }
  } finally {
    closeSync(fd);
  }
}

/** `x.json.tmp` (older versions) and `.x.json.<pid>-<hex>.tmp` (a compaction cut short). */
function removeStaleTemporaryFiles(file: string): void {
  rmSync(`${file}.tmp`, { force: true });
  const dir = path.dirname(file);
  const prefix = `.${path.basename(file)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith(prefix) && name.endsWith('.tmp')) rmSync(path.join(dir, name), { force: true });
  }
}
