/**
 * The file store answers reads of items it last read or wrote from memory (one process writes its directory), so a
 * turn's reads cost no system call; it stays bounded, and never serves what a failed write may have changed.
 */
import fs, { mkdtempSync, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStorage } from '../../src/state/fileStorage';

const dirOf = () => mkdtempSync(join(tmpdir(), 'file-cache-'));

/** The files the store opened for reading while `work` ran. */
async function filesRead(work: () => Promise<unknown>): Promise<number> {
  const spy = jest.spyOn(fs, 'readFileSync');
  try {
    await work();
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
}

describe('the file store’s memory of items', () => {
  it('reads an item it wrote, or read once, without opening its file again; each read gets its own copy', async () => {
    const store = new FileStorage(dirOf());
    await store.write({ 'directory/t/users/a': { lastSeenAt: 'x', welcome: {} } });
    expect(await filesRead(() => store.read(['directory/t/users/a']))).toBe(0);

    const restarted = new FileStorage((store as unknown as { dir: string }).dir);
    expect(await filesRead(() => restarted.read(['directory/t/users/a']))).toBe(1);
    expect(await filesRead(() => restarted.read(['directory/t/users/a']))).toBe(0);

    const first = (await restarted.read(['directory/t/users/a']))['directory/t/users/a'] as { welcome: Record<string, unknown> };
    first.welcome.sentAt = 'changed by a caller';
    expect((await restarted.read(['directory/t/users/a']))['directory/t/users/a']).toMatchObject({ welcome: {} });
  });

  it('remembers that a key has no item until something is written there', async () => {
    const store = new FileStorage(dirOf());
    expect(await store.read(['feedback/votes/t/a'])).toEqual({});
    expect(await filesRead(() => store.read(['feedback/votes/t/a']))).toBe(0);
    expect(await store.createIfAbsent('feedback/votes/t/a', { votes: 1 })).toBe(true);
    expect((await store.read(['feedback/votes/t/a']))['feedback/votes/t/a']).toMatchObject({ votes: 1 });
    await store.delete(['feedback/votes/t/a']);
    expect(await store.read(['feedback/votes/t/a'])).toEqual({});
  });

  it('keeps eTags true: a write with the eTag it read succeeds once, the stale one conflicts', async () => {
    const store = new FileStorage(dirOf());
    await store.write({ k: { n: 1 } });
    const { eTag } = (await store.read(['k'])).k as { eTag: string };
    await store.write({ k: { n: 2, eTag } });
    await expect(store.write({ k: { n: 3, eTag } })).rejects.toThrow(/eTag conflict/);
    expect((await store.read(['k'])).k).toMatchObject({ n: 2 });
  });

  it('holds at most the number of items it was given, least recently used out first', async () => {
    const store = new FileStorage(dirOf(), 2);
    for (const key of ['a', 'b', 'c']) await store.write({ [key]: { v: key } });
    expect(await filesRead(() => store.read(['b']))).toBe(0);
    expect(await filesRead(() => store.read(['c']))).toBe(0);
    expect(await filesRead(() => store.read(['a']))).toBe(1); // the least recently used fell out: from disk
    expect(await filesRead(() => store.read(['c']))).toBe(0);
    expect(await filesRead(() => store.read(['b']))).toBe(1); // and reading a pushed b out
    expect(await store.read(['a', 'b', 'c'])).toMatchObject({ a: { v: 'a' }, b: { v: 'b' }, c: { v: 'c' } });
  });

  it('reads from disk again after a write that failed, whatever the failure left there', async () => {
    const store = new FileStorage(dirOf());
    // A new item: the rename lands, then the directory's fsync fails. The write rejects, yet the file holds the item.
    const open = fsp.open.bind(fsp);
    const spy = jest.spyOn(fsp, 'open').mockImplementationOnce(async (p, flags, mode) => {
      const handle = await open(p, flags, mode);
      handle.sync = async () => {
        throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      };
      return handle;
    });
    await expect(store.write({ k: { n: 1 } })).rejects.toThrow(/EIO/);
    spy.mockRestore();
    expect(await filesRead(() => store.read(['k']))).toBe(1);
    expect((await store.read(['k'])).k).toMatchObject({ n: 1 });

    // An overwrite in place: the slot is written, then fdatasync fails. The same again. (The write after a failed one
    // replaces the whole file, so n: 2 makes the next write an overwrite in place again.)
    await store.write({ k: { n: 2 } });
    const real = fs.fdatasync;
    const datasync = jest
      .spyOn(fs, 'fdatasync')
      .mockImplementationOnce((fd, callback) =>
        real(fd, () => callback(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO', errno: -5, syscall: 'fdatasync' }))),
      );
    await expect(store.write({ k: { n: 3 } })).rejects.toThrow(/EIO/);
    datasync.mockRestore();
    expect(await filesRead(() => store.read(['k']))).toBe(1);
    expect((await store.read(['k'])).k).toMatchObject({ n: 3 });
  });
});
