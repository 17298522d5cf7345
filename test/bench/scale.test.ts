import { measureScale, total } from '../../bench/scale';

// Counting, not timing: the same due users among 5× as many cost the same store operations.
describe('scheduled work grows with what is due, not with who exists', () => {
  it('counts the same store operations for a reminder run, a retention sweep and an idle poll at 1,000 and 5,000 users', async () => {
    const small = await measureScale(1000, 20);
    const large = await measureScale(5000, 20);
    expect(total(small.reminders)).toBeGreaterThan(0);
    expect(total(large.reminders)).toBe(total(small.reminders));
    expect(total(large.retention)).toBe(total(small.retention));
    expect(total(large.queueIdle)).toBe(total(small.queueIdle));
    expect(total(large.queueIdle)).toBe(1); // one Get Messages
    expect(total(large.storeQueueIdle)).toBe(0); // the store's queue knows its own deliveries
    expect(large.reminders.lists).toBe(small.reminders.lists); // day buckets, not every record
  }, 60_000);
});
