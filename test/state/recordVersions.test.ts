import { RecordVersions } from '../../src/state/recordVersions';

describe('which records this process wrote since a moment', () => {
  it('a record’s version holds until it is written, whatever is written besides it', () => {
    const versions = new RecordVersions(10);
    const seen = versions.of('megan');
    versions.wrote('alex');
    expect(versions.of('megan')).toBe(seen);
    versions.wrote('megan');
    expect(versions.of('megan')).not.toBe(seen);
  });

  it('a record let go for room never reads as unwritten since a version taken before its last write', () => {
    const versions = new RecordVersions(2);
    const before = versions.of('megan');
    versions.wrote('megan');
    versions.wrote('alex');
    versions.wrote('sam'); // megan's number is let go
    expect(versions.of('megan')).toBeGreaterThan(before);
  });

  it('a record let go for room keeps the version taken after its last write, until it is written again', () => {
    const versions = new RecordVersions(2);
    versions.wrote('megan');
    const seen = versions.of('megan');
    versions.wrote('alex');
    versions.wrote('sam'); // megan's number is let go, and is the highest let go
    expect(versions.of('megan')).toBe(seen);
    versions.wrote('megan');
    expect(versions.of('megan')).toBeGreaterThan(seen);
  });
});
