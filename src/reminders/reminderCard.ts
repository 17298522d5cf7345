import { z } from 'zod';
import type { CardJson, CardRenderer } from '../cards/render';
import { readContentFile, type Content } from '../content/load';
import { substituteTokens } from '../content/tokens';

const text = z.string().trim().min(1).max(400);

/** The reminder's words, from copy.json ("reminder"); the card's layout is cards/templates/reminder.json. */
const reminderCopySchema = z.object({
  reminder: z.object({
    title: text.max(120),
    lines: z.array(text).min(1),
    listHeading: text.max(80),
    progressLine: text.max(120),
    continueTitle: text.max(40),
    checklistTitle: text.max(40),
  }),
});
type ReminderCopy = z.infer<typeof reminderCopySchema>['reminder'];

/** What a reminder says about the starter. */
export interface ReminderFacts {
  readonly mustDoDone: number;
  readonly mustDoTotal: number;
  /** Titles of the must-do actions still open. */
  readonly mustDoLeft: readonly string[];
}

/** Renders the nudge card. Loads and checks its copy at start, so a wrong token fails start-up, not a reminder. */
export class ReminderCards {
  private readonly copy: ReminderCopy;

  constructor(
    contentDir: string,
    private readonly content: Content,
    private readonly renderer: CardRenderer,
  ) {
    this.copy = readContentFile(contentDir, 'copy.json', reminderCopySchema).reminder;
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
