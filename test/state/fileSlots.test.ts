/**
 * The file store overwrites an item in place, in the older of its file's two checksummed slots, and fdatasyncs the
 * file before the write resolves: a tick costs one write and one fdatasync, not a new file, a rename and two fsyncs.
 * A write cut short by a crash or a power loss leaves the item before it; an item that outgrows its slots moves to a
 * larger file, atomically; files of the earlier JSON format are converted at start.
 */
import { createHash } from 'node:crypto';
import fs, { mkdtempSync, promises as fsp, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeItemFile, FileStorage } from '../../src/state/fileStorage';

const dirOf = (): string => mkdtempSync(join(tmpdir(), 'file-slots-'));
const fileOf = (dir: string, key: string): string => join(dir, `${key.split('/')[0] ?? ''}--${createHash('sha256').update(key).digest('hex')}.item`);
const valueOf = async (dir: string, key: string): Promise<unknown> => (await new FileStorage(dir).read([key]))[key];

/** A store in a new directory whose item `key` was written twice (n: 1, then n: 2 in its second slot). */
async function writtenTwice(key: string): Promise<{ dir: string; store: FileStorage }> {
  const dir = dirOf();
  const store = new FileStorage(dir);
  await store.write({ [key]: { n: 1 } });
  await store.write({ [key]: { n: 2 } });
  return { dir, store };
}

describe('the file store’s item files', () => {
  it('overwrite an item in place and resolve only after its file’s fdatasync, with no new file or rename', async () => {
    const dir = dirOf();
    const store = new FileStorage(dir);
    await store.write({ 'msteams/c/users/a': { n: 1 } }); // a new item: a new file, atomically
    const events: string[] = [];
    const real = fs.fdatasync;
    const datasync = jest.spyOn(fs, 'fdatasync').mockImplementation((fd, callback) => {
      events.push('fdatasync started');
      // The real one, then note that it finished.
      real(fd, (error) => {
        events.push('fdatasync done');
        callback(error);
      });
    });
    const rename = jest.spyOn(fsp, 'rename');
    const link = jest.spyOn(fsp, 'link');
    const opened = jest.spyOn(fs, 'openSync');
    try {
      for (let n = 2; n <= 5; n++) {
        await store.write({ 'msteams/c/users/a': { n } });
        events.push(`write ${n} resolved`);
      }
      expect(events).toEqual([
        'fdatasync started',
        'fdatasync done',
        'write 2 resolved',
        'fdatasync started',
        'fdatasync done',
        'write 3 resolved',
        'fdatasync started',
        'fdatasync done',
        'write 4 resolved',
        'fdatasync started',
        'fdatasync done',
        'write 5 resolved',
      ]);
      expect(rename).not.toHaveBeenCalled();
      expect(link).not.toHaveBeenCalled();
      expect(opened.mock.calls.map((c) => String(c[0]))).toEqual(Array(4).fill(fileOf(dir, 'msteams/c/users/a')));
    } finally {
      [datasync, rename, link, opened].forEach((s) => s.mockRestore());
    }
    expect(readdirSync(dir)).toEqual([fileOf(dir, 'msteams/c/users/a').slice(dir.length + 1)]);
    expect(await valueOf(dir, 'msteams/c/users/a')).toMatchObject({ n: 5 });
  });

  it('keep the item before a write that a crash cut short, whichever part of the slot was written', async () => {
    const dir = dirOf();
    const store = new FileStorage(dir);
    await store.write({ 'msteams/c/users/a': { n: 1 } }); // write 0: first slot
    await store.write({ 'msteams/c/users/a': { n: 2 } }); // write 1: second slot
    const path = fileOf(dir, 'msteams/c/users/a');
    const whole = readFileSync(path);
    const capacity = whole.length / 2;
    // Write 2 would go to the first slot: what a crash can leave of it there.
    const next = Buffer.from(JSON.stringify({ key: 'msteams/c/users/a', eTag: 'e3', value: { n: 3 } }));
    const header = Buffer.alloc(24);
    header.writeUInt32BE(0x4e574931, 0);
    header.writeUInt32BE(next.length, 4);
    header.writeBigUInt64BE(2n, 8);
    header.fill(0xab, 16, 24); // a checksum that the payload below does not match
    const torn = [
      ['the header only', Buffer.concat([header])],
      ['the header and half the item', Buffer.concat([header, next.subarray(0, next.length / 2)])],
      ['all of it but the checksum', Buffer.concat([header, next])],
      ['garbage', Buffer.alloc(600, 0x7b)],
    ] as const;
    for (const [what, bytes] of torn) {
      const file = Buffer.from(whole);
      bytes.copy(file, 0);
      writeFileSync(path, file);
      expect([what, await valueOf(dir, 'msteams/c/users/a')]).toEqual([what, expect.objectContaining({ n: 2 })]);
    }
    // And the store goes on from there: the next write lands, and is read back after a restart.
    const restarted = new FileStorage(dir);
    await restarted.write({ 'msteams/c/users/a': { n: 4 } });
    expect(await valueOf(dir, 'msteams/c/users/a')).toMatchObject({ n: 4 });
    expect(statSync(path).size).toBe(capacity * 2);
  });

  it('alternate slots across restarts: every write is read back, never an older one', async () => {
    const dir = dirOf();
    for (let n = 1; n <= 7; n++) {
      await new FileStorage(dir).write({ 'directory/t/users/a': { n } });
      expect(await valueOf(dir, 'directory/t/users/a')).toMatchObject({ n });
    }
    expect(decodeItemFile(readFileSync(fileOf(dir, 'directory/t/users/a'))).seq).toBe(6);
  });

  it('move an item that outgrows its slots to a larger file, and go on writing it in place', async () => {
    const dir = dirOf();
    const store = new FileStorage(dir);
    await store.write({ 'pushes/p1': { starters: ['a'] } });
    const path = fileOf(dir, 'pushes/p1');
    expect(statSync(path).size).toBe(2 * 4096);
    const many = Array.from({ length: 600 }, (_, i) => `starter${i}@nhs.net`);
    await store.write({ 'pushes/p1': { starters: many } });
    expect(statSync(path).size).toBeGreaterThan(2 * 4096);
    expect(await valueOf(dir, 'pushes/p1')).toMatchObject({ starters: many });
    await store.write({ 'pushes/p1': { starters: many.slice(1) } });
    expect(await valueOf(dir, 'pushes/p1')).toMatchObject({ starters: many.slice(1) });
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('convert files of the earlier JSON format at start, once, and keep their eTags', async () => {
    const dir = dirOf();
    const key = 'msteams/conversations/a:1/users/b';
    const jsonName = fileOf(dir, key).replace(/\.item$/, '.json');
    writeFileSync(jsonName, JSON.stringify({ key, eTag: 'e-old', value: { done: ['mfa'] } }));
    const store = new FileStorage(dir);
    expect((await store.read([key]))[key]).toEqual({ done: ['mfa'], eTag: 'e-old' });
    expect(readdirSync(dir)).toEqual([fileOf(dir, key).slice(dir.length + 1)]);
    await store.write({ [key]: { done: ['mfa', 'sspr'], eTag: 'e-old' } });
    expect(await valueOf(dir, key)).toMatchObject({ done: ['mfa', 'sspr'] });
  });

  it('replace the whole file on the write after one whose fdatasync failed, and keep nothing read meanwhile', async () => {
    const key = 'msteams/c/users/a';
    const { dir, store } = await writtenTwice(key);
    // Write 3 reaches its slot, then fdatasync fails: whether it would survive a power loss is not known. A read while
    // it is in flight sees the file, and must not be kept.
    const real = fs.fdatasync;
    let readMeanwhile: Promise<unknown> | undefined;
    const datasync = jest.spyOn(fs, 'fdatasync').mockImplementationOnce((fd, callback) => {
      readMeanwhile = store.read([key]);
      void readMeanwhile.then(() => callback(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })));
      void real;
    });
    await expect(store.write({ [key]: { n: 3 } })).rejects.toThrow(/EIO/);
    datasync.mockRestore();
    await readMeanwhile;
    const reads = jest.spyOn(fs, 'readFileSync');
    await store.read([key]);
    expect(reads).toHaveBeenCalledTimes(1); // from disk: nothing from the failed write's time was kept
    reads.mockRestore();
    // The next write does not trust the slots (slot 2 held the last item known to be on disk): a whole new file.
    const rename = jest.spyOn(fsp, 'rename');
    await store.write({ [key]: { n: 4 } });
    expect(rename).toHaveBeenCalledTimes(1);
    rename.mockRestore();
    expect(await valueOf(dir, key)).toMatchObject({ n: 4 });
    // And the one after goes in place again.
    const renameAgain = jest.spyOn(fsp, 'rename');
    await store.write({ [key]: { n: 5 } });
    expect(renameAgain).not.toHaveBeenCalled();
    renameAgain.mockRestore();
    expect(await valueOf(dir, key)).toMatchObject({ n: 5 });
  });

  it('lose no write after one that grew the file failed while a read was in flight', async () => {
    const key = 'pushes/p1';
    const { dir, store } = await writtenTwice(key);
    // The item outgrows its slots: a new file, renamed into place; then the directory's fsync fails. A read came in
    // between (and, before this was mended, kept the old file's slot size).
    const open = fsp.open.bind(fsp);
    const opened = jest.spyOn(fsp, 'open').mockImplementationOnce(async (p, flags, mode) => {
      const handle = await open(p, flags, mode);
      handle.sync = async () => {
        await store.read([key]);
        throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      };
      return handle;
    });
    const big = 'x'.repeat(9000);
    await expect(store.write({ [key]: { n: 3, big } })).rejects.toThrow(/EIO/);
    opened.mockRestore();
    await store.write({ [key]: { n: 4 } });
    expect(await store.read([key])).toMatchObject({ [key]: { n: 4 } });
    expect(await valueOf(dir, key)).toMatchObject({ n: 4 }); // and after a restart
  });

  it('fail the start on an error converting a JSON file, and convert it when tried again, never serving it as absent', async () => {
    const dir = dirOf();
    const key = 'msteams/conversations/a:1/users/b';
    writeFileSync(fileOf(dir, key).replace(/\.item$/, '.json'), JSON.stringify({ key, eTag: 'e-old', value: { done: ['mfa'] } }));
    const readFile = jest.spyOn(fsp, 'readFile').mockRejectedValueOnce(Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' }));
    const store = new FileStorage(dir);
    await expect(store.read([key])).rejects.toThrow(/EMFILE/);
    readFile.mockRestore();
    expect((await store.read([key]))[key]).toEqual({ done: ['mfa'], eTag: 'e-old' });
    expect(readdirSync(dir).filter((n) => n.endsWith('.json'))).toEqual([]);
  });
});
