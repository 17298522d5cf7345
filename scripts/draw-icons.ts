/**
 * Draws the app's two icons (an envelope with a tick: "your mail, done") and writes them to appPackage/.
 *
 *   npx tsx scripts/draw-icons.ts
 *
 * Drawn in code rather than in an editor so that anyone can change them and review the change, and
 * so that a test can check the committed PNGs are exactly what this script draws. Not the NHS logo,
 * which needs permission to use.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';

type Rgba = readonly [number, number, number, number];
/** Colour of the icon at a point (pixel units, origin top left). */
type Shader = (x: number, y: number) => Rgba;

/** Background of the colour icon; also the default accent colour (ACCENT_COLOR). */
export const ICON_BACKGROUND = '#0B6E4F';

const BACKGROUND: Rgba = [0x0b, 0x6e, 0x4f, 255];
const WHITE: Rgba = [255, 255, 255, 255];
const BADGE: Rgba = [0xff, 0xc8, 0x3d, 255];
const TICK: Rgba = [0x0b, 0x3d, 0x2c, 255];
const CLEAR: Rgba = [255, 255, 255, 0];

function roundedRectDistance(x: number, y: number, cx: number, cy: number, halfW: number, halfH: number, r: number): number {
  const qx = Math.abs(x - cx) - halfW + r;
  const qy = Math.abs(y - cy) - halfH + r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

function segmentDistance(x: number, y: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - (ax + t * dx), y - (ay + t * dy));
}

function polylineDistance(x: number, y: number, points: readonly (readonly [number, number])[]): number {
  let best = Infinity;
  for (let i = 1; i < points.length; i += 1) {
    const a = points[i - 1];
    const b = points[i];
    if (a === undefined || b === undefined) continue;
    best = Math.min(best, segmentDistance(x, y, a[0], a[1], b[0], b[1]));
  }
  return best;
}

/** Renders a shader with 4×4 supersampling, so edges are smooth without a graphics library. */
function render(size: number, shade: Shader): PNG {
  const png = new PNG({ width: size, height: size, colorType: 6 });
  const n = 4;
  for (let py = 0; py < size; py += 1) {
    for (let px = 0; px < size; px += 1) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < n; sy += 1) {
        for (let sx = 0; sx < n; sx += 1) {
          const [cr, cg, cb, ca] = shade(px + (sx + 0.5) / n, py + (sy + 0.5) / n);
          // Premultiplied, so that transparent samples do not darken the edge.
          r += cr * ca;
          g += cg * ca;
          b += cb * ca;
          a += ca;
        }
      }
      const i = (py * size + px) * 4;
      png.data[i] = a === 0 ? 255 : Math.round(r / a);
      png.data[i + 1] = a === 0 ? 255 : Math.round(g / a);
      png.data[i + 2] = a === 0 ? 255 : Math.round(b / a);
      png.data[i + 3] = Math.round(a / (n * n));
    }
  }
  return png;
}

/** The 192×192 colour icon: a white envelope on the accent colour, with a yellow tick badge. */
export function drawColorIcon(): PNG {
  const flap: (readonly [number, number])[] = [
    [40, 58],
    [96, 100],
    [152, 58],
  ];
  const tick: (readonly [number, number])[] = [
    [131, 136],
    [142, 147],
    [162, 124],
  ];
  return render(192, (x, y) => {
    const badge = Math.hypot(x - 146, y - 136);
    if (badge <= 28) return polylineDistance(x, y, tick) <= 4.5 ? TICK : BADGE;
    if (badge <= 35) return BACKGROUND; // a gap so the badge stands clear of the envelope
    if (roundedRectDistance(x, y, 96, 96, 62, 44, 10) <= 0) {
      return polylineDistance(x, y, flap) <= 3.5 ? BACKGROUND : WHITE;
    }
    return BACKGROUND;
  });
}

/** The 32×32 outline icon: the same motif in white lines on a fully transparent background. */
export function drawOutlineIcon(): PNG {
  const flap: (readonly [number, number])[] = [
    [4.5, 9.5],
    [15, 17],
    [25.5, 9.5],
  ];
  const tick: (readonly [number, number])[] = [
    [21.2, 24.2],
    [23.4, 26.4],
    [27.2, 22],
  ];
  return render(32, (x, y) => {
    const badge = Math.hypot(x - 24.5, y - 24);
    if (badge <= 6) return polylineDistance(x, y, tick) <= 0.9 ? CLEAR : WHITE;
    if (badge <= 7.8) return CLEAR;
    const edge = roundedRectDistance(x, y, 15, 16, 12.5, 9, 2);
    if (edge <= 0 && edge >= -2) return WHITE;
    if (edge < 0 && polylineDistance(x, y, flap) <= 1) return WHITE;
    return CLEAR;
  });
}

/** Writes color.png and outline.png into `dir`. */
export function writeIcons(dir: string): { color: string; outline: string } {
  const color = join(dir, 'color.png');
  const outline = join(dir, 'outline.png');
  writeFileSync(color, PNG.sync.write(drawColorIcon()));
  writeFileSync(outline, PNG.sync.write(drawOutlineIcon()));
  return { color, outline };
}

if (require.main === module) {
  const written = writeIcons(join(__dirname, '..', 'appPackage'));
  process.stdout.write(`Wrote ${written.color}\nWrote ${written.outline}\n`);
}
