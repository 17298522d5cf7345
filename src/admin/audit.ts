import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';

/** What happened, for the audit trail. */
export type AuditEvent =
  | 'push.requested'
  | 'push.refused'
  | 'push.resent'
  | 'starters.exported'
  | 'delivery.delivered'
  | 'delivery.alreadyWelcomed'
  | 'delivery.waitingForInstall'
  | 'delivery.pendingFirstContact'
  | 'delivery.failed'
  | 'delivery.deliveredOnFirstContact';

/** One line of the audit trail: who, whom, when, outcome. */
export interface AuditEntry {
  readonly at: string;
  readonly event: AuditEvent;
  /** The LA (Entra object id) who asked, or who was refused. */
  readonly by: string;
  readonly byName?: string | undefined;
  /** The starter's address, when the entry is about one starter. */
  readonly starter?: string | undefined;
  readonly pushId?: string | undefined;
  readonly outcome?: string | undefined;
  readonly detail?: string | undefined;
  readonly via?: 'chat' | 'api' | 'tab' | undefined;
}

/** Append-only record of pushes, refusals and delivery outcomes. */
export interface AuditTrail {
  append(entry: AuditEntry): Promise<void>;
  /** Entries in order, optionally only one LA's and within dates. */
  read(filter?: { by?: string; from?: Date; to?: Date }): Promise<AuditEntry[]>;
}

/** The default audit trail: one JSON object per line in a file, opened for append only. */
export class FileAuditTrail implements AuditTrail {
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  append(entry: AuditEntry): Promise<void> {
    // Appends are chained so lines never interleave, and each is flushed before it counts as written.
    const next = this.queue.then(async () => {
      await fs.mkdir(dirname(this.path), { recursive: true });
      const handle = await fs.open(this.path, 'a');
      try {
        await handle.appendFile(`${JSON.stringify(entry)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  async read(filter: { by?: string; from?: Date; to?: Date } = {}): Promise<AuditEntry[]> {
    let text: string;
    try {
      text = await fs.readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return filterEntries(parseLines(text), filter);
  }
}

/** Parses JSON lines, skipping a torn last line left by a crash. */
export function parseLines(text: string): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      entries.push(JSON.parse(line) as AuditEntry);
    } catch {
      // a partial line from an interrupted append: ignore it
    }
  }
  return entries;
}

/** Applies an LA and date filter. */
export function filterEntries(entries: AuditEntry[], filter: { by?: string; from?: Date; to?: Date }): AuditEntry[] {
  return entries.filter(
    (e) =>
      (filter.by === undefined || e.by.toLowerCase() === filter.by.toLowerCase() || e.byName?.toLowerCase() === filter.by.toLowerCase()) &&
      (filter.from === undefined || Date.parse(e.at) >= filter.from.getTime()) &&
      (filter.to === undefined || Date.parse(e.at) <= filter.to.getTime()),
  );
}
