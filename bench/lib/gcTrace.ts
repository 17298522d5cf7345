/**
 * Memory allocated by a process, read from V8's `--trace-gc` lines in its log. Each collection prints the heap in
 * use before it and after it; what the program allocated between two collections is the rise from the one's
 * "after" to the next one's "before". Unlike CPU time on a shared VM, this does not drift with the machine: it
 * counts the work a turn does, and it is how a change that allocates less is shown (docs/bench.md, "Fifth pass").
 */
const GC_LINE = /: (?:Scavenge|Mark-Compact|Minor Mark-Sweep|Mark-sweep)[^\n]*? ([\d.]+) \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB/g;

/** MB allocated over the collections in the text (a log's part), and how many collections it holds. */
export function allocatedMb(traceText: string): { mb: number; collections: number } {
  let mb = 0;
  let collections = 0;
  let lastAfter: number | undefined;
  for (const match of traceText.matchAll(GC_LINE)) {
    const before = Number(match[1]);
    const after = Number(match[2]);
    if (lastAfter !== undefined && before > lastAfter) mb += before - lastAfter;
    lastAfter = after;
    collections++;
  }
  return { mb, collections };
}
