import { join } from 'node:path';
import { everyTurnOnce, turnBodies, type TurnKind, type TurnLoad } from '../../bench/httpTurns';
import { ROOT } from '../../bench/lib/build';
import { replyKey } from '../../bench/press';
import { loadContent } from '../../src/content/load';
import { allActions } from '../../src/journey/journey';
import { acknowledge, startProgress, summarise, unacknowledge } from '../../src/journey/progress';

const content = loadContent(join(ROOT, 'cards'));
const load: TurnLoad = {
  connections: 1,
  seconds: 1,
  users: 3,
  questions: ['how do I reset my password', 'who is my LA', 'someone asked for my password'],
  actionIds: allActions(content.journey).map((a) => a.id),
};
const SINK = 'http://127.0.0.1:1';

interface Turn {
  readonly text?: string;
  readonly from: { readonly id: string };
  readonly value?: unknown;
}

describe('the turns the bench measures', () => {
  it.each<TurnKind>(['question', 'ack', 'ackSubmit'])('leave the card echo no %s turn without our bot’s recorded reply', (kind) => {
    const measured = new Set(turnBodies(kind, SINK, load).map((body) => replyKey(JSON.parse(body) as Turn)));
    const recorded = new Set(everyTurnOnce(kind, SINK, load, 100, 2).map((body) => replyKey(JSON.parse(body) as Turn)));
    expect(measured.size).toBeGreaterThan(1);
    expect([...measured].filter((key) => !recorded.has(key))).toEqual([]);
  });

  it.each<TurnKind>(['ack', 'ackSubmit'])('make each %s press a change, and never complete a journey', (kind) => {
    const presses = turnBodies(kind, SINK, load)
      .map((body) => JSON.parse(body) as Turn)
      .filter((turn) => turn.from.id === (JSON.parse(turnBodies(kind, SINK, load)[0] ?? '{}') as Turn).from.id)
      .map((turn) => replyKey(turn).split(' ') as ['ack' | 'unack', string]);
    expect(presses).toHaveLength(2 * load.actionIds.length);
    let progress = startProgress(content.journey, { kind: 'self' }, new Date(0));
    for (const [verb, actionId] of presses) {
      const before = progress.acknowledged[actionId];
      progress = (verb === 'ack' ? acknowledge : unacknowledge)(progress, content.journey, actionId, new Date(1000));
      expect(progress.acknowledged[actionId] === undefined).toBe(before !== undefined);
      expect(summarise(progress, content.journey).complete).toBe(false);
    }
  });
});
