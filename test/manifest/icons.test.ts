import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { drawColorIcon, drawOutlineIcon } from '../../scripts/draw-icons';

const APP_PACKAGE = join(__dirname, '..', '..', 'appPackage');

function readIcon(name: string): PNG {
  return PNG.sync.read(readFileSync(join(APP_PACKAGE, name)));
}

function pixels(png: PNG): { r: number; g: number; b: number; a: number }[] {
  const out: { r: number; g: number; b: number; a: number }[] = [];
  for (let i = 0; i < png.data.length; i += 4) {
    out.push({ r: png.data[i] ?? -1, g: png.data[i + 1] ?? -1, b: png.data[i + 2] ?? -1, a: png.data[i + 3] ?? -1 });
  }
  return out;
}

describe('the app icons', () => {
  it('has a 192×192 colour icon with an opaque background (no holes Teams would show)', () => {
    const color = readIcon('color.png');
    expect([color.width, color.height]).toEqual([192, 192]);
    expect(pixels(color).every((p) => p.a === 255)).toBe(true);
    // More than one colour: it is a picture, not a blank square.
    expect(new Set(pixels(color).map((p) => `${p.r},${p.g},${p.b}`)).size).toBeGreaterThan(3);
  });

  it('has a 32×32 outline icon drawn only in white on a fully transparent background', () => {
    const outline = readIcon('outline.png');
    expect([outline.width, outline.height]).toEqual([32, 32]);
    const all = pixels(outline);
    const visible = all.filter((p) => p.a > 0);
    expect(visible.every((p) => p.r === 255 && p.g === 255 && p.b === 255)).toBe(true);
    // Both parts are really there: a background that is fully transparent, and solid white lines.
    expect(all.filter((p) => p.a === 0).length).toBeGreaterThan(all.length / 3);
    expect(visible.filter((p) => p.a === 255).length).toBeGreaterThan(50);
    for (const corner of [all[0], all[31], all[32 * 31], all[32 * 32 - 1]]) expect(corner?.a).toBe(0);
  });

  it('are exactly what scripts/draw-icons.ts draws, so the committed PNGs and the script never drift apart', () => {
    expect(Buffer.compare(readIcon('color.png').data, drawColorIcon().data)).toBe(0);
    expect(Buffer.compare(readIcon('outline.png').data, drawOutlineIcon().data)).toBe(0);
  });
});
