// Draws the app and tray icons into build/ as real PNGs, with nothing but Node (zlib): a ring
// with a centre dot and an orbiting node, "memory that many clients share". Run it again after
// changing the drawing; the PNGs are committed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';

type Rgba = [number, number, number, number];
/** Coverage of a shape at a point of the unit square (0..1 each way): a signed distance, negative inside. */
type Shape = (x: number, y: number) => number;

const circle =
  (cx: number, cy: number, r: number): Shape =>
  (x, y) =>
    Math.hypot(x - cx, y - cy) - r;
const ring =
  (cx: number, cy: number, r: number, width: number): Shape =>
  (x, y) =>
    Math.abs(Math.hypot(x - cx, y - cy) - r) - width / 2;
const minus =
  (a: Shape, b: Shape): Shape =>
  (x, y) =>
    Math.max(a(x, y), -b(x, y));
const union =
  (...shapes: Shape[]): Shape =>
  (x, y) =>
    Math.min(...shapes.map((s) => s(x, y)));
const roundedSquare =
  (inset: number, radius: number): Shape =>
  (x, y) => {
    const half = 0.5 - inset;
    const qx = Math.abs(x - 0.5) - (half - radius);
    const qy = Math.abs(y - 0.5) - (half - radius);
    return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
  };

/** The mark inside a box of the unit square: ring with a gap at the upper right, where a node sits. */
function mark(scale: number, weight: number, dot = 1): Shape {
  const c = 0.5;
  const r = 0.3 * scale;
  const angle = -Math.PI / 4;
  const nx = c + r * Math.cos(angle);
  const ny = c + r * Math.sin(angle);
  const gap = circle(nx, ny, 0.13 * scale);
  return union(minus(ring(c, c, r, 0.1 * scale * weight), gap), circle(nx, ny, 0.075 * scale * weight), circle(c, c, 0.11 * scale * dot));
}

interface Layer {
  shape: Shape;
  color: (x: number, y: number) => Rgba;
}

/** Renders layers back to front with 5x5 supersampling per pixel. */
function render(size: number, layers: Layer[]): Buffer {
  const pixels = Buffer.alloc(size * size * 4);
  const samples = 5;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = (px + (sx + 0.5) / samples) / size;
          const y = (py + (sy + 0.5) / samples) / size;
          let cr = 0,
            cg = 0,
            cb = 0,
            ca = 0;
          for (const layer of layers) {
            if (layer.shape(x, y) > 0) continue;
            const [lr, lg, lb, la] = layer.color(x, y);
            const alpha = la / 255;
            cr = lr * alpha + cr * (1 - alpha);
            cg = lg * alpha + cg * (1 - alpha);
            cb = lb * alpha + cb * (1 - alpha);
            ca = alpha + ca * (1 - alpha);
          }
          r += cr;
          g += cg;
          b += cb;
          a += ca;
        }
      }
      const n = samples * samples;
      const offset = (py * size + px) * 4;
      const alpha = a / n;
      // Stored colour is un-premultiplied.
      pixels[offset] = alpha > 0 ? Math.round(r / n / alpha) : 0;
      pixels[offset + 1] = alpha > 0 ? Math.round(g / n / alpha) : 0;
      pixels[offset + 2] = alpha > 0 ? Math.round(b / n / alpha) : 0;
      pixels[offset + 3] = Math.round(alpha * 255);
    }
  }
  return pixels;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An RGBA PNG: signature, IHDR, one zlib IDAT of filter-0 scanlines, IEND. */
export function encodePng(size: number, rgba: Buffer): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const WHITE: Rgba = [255, 255, 255, 255];
const gradient = (x: number, y: number): Rgba => {
  // Indigo, lighter at the top left.
  const t = Math.min(1, Math.max(0, (x + y) / 2));
  return [Math.round(104 - 40 * t), Math.round(96 - 36 * t), Math.round(240 - 50 * t), 255];
};

/** The coloured tile: app icon and Windows/Linux tray. Small sizes get a heavier mark. */
const tile = (size: number): Buffer => {
  const small = size <= 32;
  return render(size, [
    { shape: roundedSquare(small ? 0 : 0.06, small ? 0.22 : 0.2), color: gradient },
    { shape: mark(small ? 0.98 : 0.82, small ? 1.25 : 1), color: () => WHITE },
  ]);
};

/** macOS template: black and alpha only; the menu bar tints it. */
const template = (size: number): Buffer => render(size, [{ shape: mark(1.18, 1.2), color: () => [0, 0, 0, 255] }]);

export const ICONS: Record<string, () => Buffer> = {
  'icon.png': () => encodePng(512, tile(512)),
  'tray/tray.png': () => encodePng(16, tile(16)),
  'tray/tray@2x.png': () => encodePng(32, tile(32)),
  'tray/trayTemplate.png': () => encodePng(16, template(16)),
  'tray/trayTemplate@2x.png': () => encodePng(32, template(32)),
};

if (import.meta.main) {
  const buildDir = fileURLToPath(new URL('../build/', import.meta.url));
  for (const [name, draw] of Object.entries(ICONS)) {
    const path = join(buildDir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, draw());
    process.stdout.write(`wrote build/${name}\n`);
  }
}
