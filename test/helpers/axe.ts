/** Runs axe-core (node_modules/axe-core/axe.min.js) inside a page or frame and returns what it found. */
import { readFileSync } from 'node:fs';
import type { Frame, Page } from 'playwright-core';

export interface AxeFinding {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: string[];
}

let source: string | undefined;

/**
 * WCAG 2.2 A and AA rules plus axe's best practices. The script is evaluated through the DevTools protocol,
 * which the page's CSP (script-src 'self') does not govern, so the CSP under test stays as it is.
 */
export async function axeFindings(target: Page | Frame): Promise<AxeFinding[]> {
  source ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await target.evaluate(source);
  return target.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            context: Document,
            options: object,
          ) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }>;
        };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
}

/** Only the findings axe rates serious or critical. */
export async function seriousAxeFindings(target: Page | Frame): Promise<AxeFinding[]> {
  return (await axeFindings(target)).filter((f) => f.impact === 'serious' || f.impact === 'critical');
}
