import type { AppendBlobClient, ContainerClient, StoragePipelineOptions } from '@azure/storage-blob';
import { containerClient, DEFAULT_PIPELINE, ensureContainer, forEachLimited, type BlobAccess } from '../state/blobStorage';
import { filterEntries, parseLines, type AuditEntry, type AuditTrail } from './audit';

/** The trail's folder in the container (state lives under state/). */
export const AUDIT_FOLDER = 'audit/';

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null ? (error as { statusCode?: number }).statusCode : undefined;
}
function codeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { code?: string }).code : undefined;
}

/** audit/2026-11-24.jsonl, then audit/2026-11-24.001.jsonl … once a day's blob is full. */
function blobName(day: string, part: number): string {
  return `${AUDIT_FOLDER}${day}${part === 0 ? '' : `.${part.toString().padStart(3, '0')}`}.jsonl`;
}

function dayOf(at: string): string {
  const t = Date.parse(at);
  return (Number.isNaN(t) ? new Date() : new Date(t)).toISOString().slice(0, 10);
}

/**
 * The audit trail shared by every instance: JSON lines in append blobs, one per UTC day, in the bot's
 * container. Each entry is one Append Block, which the service applies whole and in one piece, so lines
 * from several instances never interleave and a crash never leaves half a line. An append blob takes 50,000
 * blocks; a day that fills one goes on in the next part.
 */
export class BlobAuditTrail implements AuditTrail {
  private readonly container: ContainerClient;
  private ready: Promise<void> | undefined;
  /** Days whose blob this process has created or found, with the part it appends to. */
  private readonly parts = new Map<string, number>();

  constructor(access: BlobAccess, containerName: string, pipeline: StoragePipelineOptions = DEFAULT_PIPELINE) {
    this.container = containerClient(access, containerName, pipeline);
  }

  async append(entry: AuditEntry): Promise<void> {
    await this.init();
    const day = dayOf(entry.at);
    const line = Buffer.from(`${JSON.stringify(entry)}\n`, 'utf8');
    let part = this.parts.get(day);
    for (let attempts = 0; attempts < 1000; attempts++) {
      const blob = this.blob(day, part ?? 0);
      if (part === undefined) {
        await blob.createIfNotExists({ blobHTTPHeaders: { blobContentType: 'application/x-ndjson; charset=utf-8' } });
        part = 0;
        this.parts.set(day, part);
      }
      try {
        await blob.appendBlock(line, line.length);
        return;
      } catch (error) {
        if (codeOf(error) === 'BlockCountExceedsLimit') {
          part += 1; // this part is full: go on in the next one
          await this.blob(day, part).createIfNotExists({ blobHTTPHeaders: { blobContentType: 'application/x-ndjson; charset=utf-8' } });
          this.parts.set(day, part);
        } else if (statusOf(error) === 404) {
          this.parts.delete(day); // removed since (a retention rule, say): create it again
          part = undefined;
        } else {
          throw error;
        }
      }
    }
    throw new Error(`audit: could not append to ${blobName(day, part ?? 0)}`);
  }

  async read(filter: { by?: string; from?: Date; to?: Date } = {}): Promise<AuditEntry[]> {
    await this.init();
    const fromDay = filter.from?.toISOString().slice(0, 10);
    const toDay = filter.to?.toISOString().slice(0, 10);
    const names: string[] = [];
    for await (const blob of this.container.listBlobsFlat({ prefix: AUDIT_FOLDER })) {
      const day = blob.name.slice(AUDIT_FOLDER.length, AUDIT_FOLDER.length + 10);
      if ((fromDay === undefined || day >= fromDay) && (toDay === undefined || day <= toDay)) names.push(blob.name);
    }
    names.sort();
    const texts = new Map<string, string>();
    await forEachLimited(names, 8, async (name) => {
      try {
        texts.set(name, (await this.container.getBlobClient(name).downloadToBuffer()).toString('utf8'));
      } catch (error) {
        if (statusOf(error) !== 404) throw error; // 404: removed since it was listed
      }
    });
    // Instances append in arrival order; entries are shown in the order they happened (stable for equal times).
    const entries = names.flatMap((name) => parseLines(texts.get(name) ?? ''));
    const at = (e: AuditEntry): number => Date.parse(e.at) || 0;
    entries.sort((a, b) => at(a) - at(b));
    return filterEntries(entries, filter);
  }

  private blob(day: string, part: number): AppendBlobClient {
    return this.container.getAppendBlobClient(blobName(day, part));
  }

  private init(): Promise<void> {
    this.ready ??= ensureContainer(this.container).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }
}
