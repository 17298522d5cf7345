import { accountStart, welcomeKindFor } from '../../src/journey/welcomeRollout';

const now = new Date('2026-12-02T12:00:00Z');

describe('rollout mode: which welcome an account gets by its age', () => {
  it('is the journey for everyone when rollout mode is off', () => {
    expect(welcomeKindFor({ createdDateTime: '2010-01-01T00:00:00Z' }, undefined, now)).toBe('journey');
  });

  it('is the journey inside the window and the introduction outside it', () => {
    expect(welcomeKindFor({ createdDateTime: '2026-11-20T00:00:00Z' }, 30, now)).toBe('journey');
    expect(welcomeKindFor({ createdDateTime: '2026-11-02T11:59:00Z' }, 30, now)).toBe('introduction');
  });

  it('goes by the hire date where one is set, even against the creation date', () => {
    expect(accountStart({ createdDateTime: '2010-01-01T00:00:00Z', employeeHireDate: '2026-11-30T00:00:00Z' })).toBe('2026-11-30T00:00:00Z');
    expect(welcomeKindFor({ createdDateTime: '2010-01-01T00:00:00Z', employeeHireDate: '2026-11-30T00:00:00Z' }, 30, now)).toBe('journey');
    expect(welcomeKindFor({ createdDateTime: '2026-12-01T00:00:00Z', employeeHireDate: '2001-04-01T00:00:00Z' }, 30, now)).toBe('introduction');
  });

  it('treats a hire date still to come as new', () => {
    expect(welcomeKindFor({ createdDateTime: '2020-01-01T00:00:00Z', employeeHireDate: '2027-01-04T00:00:00Z' }, 30, now)).toBe('journey');
  });

  it('is the journey when Graph gave no date, or no answer', () => {
    expect(welcomeKindFor({}, 30, now)).toBe('journey');
    expect(welcomeKindFor(undefined, 30, now)).toBe('journey');
  });
});
