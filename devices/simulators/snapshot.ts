import jpeg from 'jpeg-js';
import type { Detection } from '#shared/domain/payloads';

const WIDTH = 160;
const HEIGHT = 120;

/** Each detection type's box colour in a simulated snapshot. */
const COLOURS: Record<Detection['type'], [number, number, number]> = {
  stall_outside_boundary: [230, 140, 30],
  goods_piled: [200, 60, 160],
  litter_pile: [220, 40, 40],
  illegal_parking: [40, 110, 220],
};

/**
 * A simulated camera's snapshot: a JPEG of a grey street scene with each detection's box
 * drawn where its `bbox` (x, y, width, height as fractions of the frame) says, as a real
 * camera's edge analytics annotate theirs. The simulated fleet puts it where a camera puts
 * its snapshots (the media bucket's `snapshots/<thing>/…`).
 */
export function snapshotJpeg(detections: readonly Detection[]): Buffer {
  const data = Buffer.alloc(WIDTH * HEIGHT * 4);
  for (let y = 0; y < HEIGHT; y++)
    for (let x = 0; x < WIDTH; x++) {
      const i = (y * WIDTH + x) * 4;
      // Pavement below, shopfronts above.
      const shade = y < HEIGHT / 3 ? 150 + ((x >> 4) % 2) * 20 : 110 + ((x + y) % 7);
      data[i] = shade;
      data[i + 1] = shade;
      data[i + 2] = shade - 10;
      data[i + 3] = 255;
    }
  for (const d of detections) {
    const [bx, by, bw, bh] = d.bbox ?? [0.4, 0.4, 0.2, 0.2];
    const [r, g, b] = COLOURS[d.type];
    const x0 = Math.round(bx * WIDTH);
    const y0 = Math.round(by * HEIGHT);
    const x1 = Math.min(WIDTH - 1, Math.round((bx + bw) * WIDTH));
    const y1 = Math.min(HEIGHT - 1, Math.round((by + bh) * HEIGHT));
    for (let y = y0; y <= y1; y++)
      for (let x = x0; x <= x1; x++) {
        const edge = y - y0 < 2 || y1 - y < 2 || x - x0 < 2 || x1 - x < 2;
        if (!edge) continue;
        const i = (y * WIDTH + x) * 4;
        data[i] = r;
        data[i + 1] = g;
        data[i + 2] = b;
      }
  }
  return Buffer.from(jpeg.encode({ data, width: WIDTH, height: HEIGHT }, 70).data);
}
