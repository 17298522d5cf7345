import type { CardJson, CardRenderer } from '../cards/render';
import type { Content } from '../content/load';
import type { ReminderCopy } from '../content/schema';
import { substituteTokens } from '../content/tokens';

/** What a reminder says about the starter. */
export interface ReminderFacts {
  readonly mustDoDone: number;
  readonly mustDoTotal: number;
  /** Titles of the must-do actions still open. */
  readonly mustDoLeft: readonly string[];
}

/** Renders the nudge card from the copy loaded with the content; a wrong token fails start-up, not a reminder. */
export class ReminderCards {
  private readonly copy: ReminderCopy;

  constructor(
    private readonly content: Content,
    private readonly renderer: CardRenderer,
  ) {
    this.copy = content.reminder;
    this.card({ mustDoDone: 1, mustDoTotal: 3, mustDoLeft: ['a', 'b'] }); // every token resolves, or ContentError now
  }

  card(facts: ReminderFacts): CardJson {
    const counts = { mustDoLeft: String(facts.mustDoLeft.length), mustDoDone: String(facts.mustDoDone), mustDoTotal: String(facts.mustDoTotal) };
    const fill = (t: string) => this.content.substitute(substituteTokens(t, counts, () => undefined));
    const title = fill(this.copy.title);
    const lines = this.copy.lines.map(fill);
    return this.renderer.render('reminder', {
      title,
      speak: `${title}. ${lines[0] ?? ''}`,
      lines: lines.map((l) => ({ text: l })),
      listHeading: fill(this.copy.listHeading),
      mustDoLeft: facts.mustDoLeft.map((t) => ({ title: t })),
      progressLine: fill(this.copy.progressLine),
      continueTitle: fill(this.copy.continueTitle),
      checklistTitle: fill(this.copy.checklistTitle),
    });
  }
}
