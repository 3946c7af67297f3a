import { describe, expect, it } from 'vitest';
import { repeatAnomaly } from '#shared/domain/case/merging';
import type { Signal } from '#shared/domain/case/model';
import { MAX_SNAPSHOTS, openCase } from '#shared/domain/case/opening';
import { isMediaId, mediaBytesProblem, snapshotMediaId, snapshotOf } from '#shared/domain/media';
import { firstMedia } from '#shared/domain/open311';
import jpeg from 'jpeg-js';
import { snapshotJpeg } from '#devices/simulators/snapshot';
import { tinyJpeg, tinyPng, tinyWebp } from '../support/images.ts';

const NOW = Date.UTC(2026, 11, 2, 2, 0);

describe('cameras’ snapshots as media', () => {
  it('names a camera’s snapshot in its own folder, and reads the key back from the id', () => {
    expect(snapshotMediaId('cam-gs-m2-a', 'snapshots/cam-gs-m2-a/1764640800000.jpg')).toBe(
      'sn~cam-gs-m2-a~1764640800000.jpg',
    );
    expect(snapshotOf('sn~cam-gs-m2-a~1764640800000.jpg')).toEqual({
      key: 'snapshots/cam-gs-m2-a/1764640800000.jpg',
      thing: 'cam-gs-m2-a',
      contentType: 'image/jpeg',
    });
    expect(snapshotOf('sn~cam-1~a.PNG')?.contentType).toBe('image/png');
    expect(snapshotOf('sn~cam-1~a.webp')?.contentType).toBe('image/webp');
    expect(isMediaId('sn~cam-1~a.jpg')).toBe(true);
    expect(isMediaId('md-20261201-00000000000000aa')).toBe(true);
  });

  it('refuses another camera’s folder, a path out of the folder and what is not an image', () => {
    for (const key of [
      'snapshots/cam-gs-m2-b/1.jpg',
      'snapshots/cam-gs-m2-a/../cam-gs-m2-b/1.jpg',
      'snapshots/cam-gs-m2-a/sub/1.jpg',
      'snapshots/cam-gs-m2-a/1.exe',
      'media/md-20261201-00000000000000aa',
      'cam-gs-m2-a/1.jpg',
      'Snapshots/cam-gs-m2-a/1.jpg',
    ])
      expect(snapshotMediaId('cam-gs-m2-a', key), key).toBeUndefined();
    for (const id of ['sn~cam~../x.jpg', 'sn~cam~x.gif', 'sn~~x.jpg', 'SN~cam~x.jpg', 'snapshot:snapshots/cam/x.jpg'])
      expect(isMediaId(id), id).toBe(false);
  });

  const litter = (at: number, thing = 'cam-gs-m2-a'): Signal => ({
    kind: 'anomaly',
    category: 'market_litter',
    siteId: 'mk-02',
    zoneId: 'mk-02-frontage',
    thing,
    evidence: {
      at,
      thing,
      summary: 'litter pile',
      data: { type: 'litter_pile', snapshotKey: `snapshots/${thing}/${at}.jpg` },
    },
  });
  const origin = {
    districtId: 'gongshu',
    siteId: 'mk-02',
    location: { lat: 30.3, lon: 120.14 },
    place: { gridId: 'g', communityId: 'c', streetId: 's' },
    assignee: { name: 'Wang Fang', phone: '13857100000' },
  };

  it('puts the camera’s snapshot on its report, keeping the latest few as the detection repeats', () => {
    let c = openCase('cs-1', litter(NOW), origin, NOW);
    expect(c.reports![0]!.media).toEqual([`sn~cam-gs-m2-a~${NOW}.jpg`]);
    for (let i = 1; i <= 7; i++) c = repeatAnomaly(c, litter(NOW + i * 60_000), NOW + i * 60_000)!;
    expect(c.reports![0]!.media).toHaveLength(MAX_SNAPSHOTS);
    expect(c.reports![0]!.media.at(-1)).toBe(`sn~cam-gs-m2-a~${NOW + 7 * 60_000}.jpg`);
    // Open311's media_url falls back to a snapshot when no person sent a photo.
    expect(firstMedia(c)).toBe(c.reports![0]!.media[0]);
  });

  it('names no snapshot a camera put in another’s folder', () => {
    const foreign = litter(NOW);
    foreign.evidence.data = { snapshotKey: 'snapshots/cam-gs-m9-z/1.jpg' };
    expect(openCase('cs-2', foreign, origin, NOW).reports![0]!.media).toEqual([]);
  });

  it('draws a simulated camera’s snapshot as a real JPEG with the detection’s box', () => {
    const image = jpeg.decode(
      snapshotJpeg([{ type: 'litter_pile', zoneId: 'z', confidence: 0.9, bbox: [0.5, 0.5, 0.25, 0.25] }]),
    );
    expect([image.width, image.height]).toEqual([160, 120]);
    // The box's top-left corner is red; the frame's corner is grey.
    const pixel = (x: number, y: number) => [...image.data.subarray((y * 160 + x) * 4, (y * 160 + x) * 4 + 3)];
    const [r, g, b] = pixel(81, 61);
    expect(r! > 150 && g! < 100 && b! < 100).toBe(true);
    const [gr, gg] = pixel(2, 2);
    expect(Math.abs(gr! - gg!)).toBeLessThan(20);
  });
});

describe('media checked by their bytes', () => {
  const png = tinyPng();
  const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), Buffer.alloc(16)]);
  it('takes a JPEG, PNG, WebP and MP4 whose bytes are their declared type', () => {
    expect(mediaBytesProblem('image/jpeg', tinyJpeg())).toBeUndefined();
    expect(mediaBytesProblem('image/png', png)).toBeUndefined();
    expect(mediaBytesProblem('image/webp', tinyWebp())).toBeUndefined();
    expect(mediaBytesProblem('video/mp4', mp4)).toBeUndefined();
  });

  it('refuses a page, another picture type, a truncated header and a picture too large to be a photo', () => {
    expect(mediaBytesProblem('image/jpeg', Buffer.from('<html><script>alert(1)</script></html>'))).toEqual({
      en: 'the body is not image/jpeg (its bytes are no picture this bucket keeps)',
      zh: '上传的文件不是有效的图片（image/jpeg），请重新拍摄或选择',
    });
    expect(mediaBytesProblem('image/jpeg', png)?.en).toBe('the body is not image/jpeg (its bytes are image/png)');
    expect(mediaBytesProblem('image/png', png.subarray(0, 12))?.en).toMatch(/^the body is not image\/png/);
    expect(mediaBytesProblem('video/mp4', tinyJpeg())?.en).toBe('the body is not video/mp4 (no ftyp box)');
    const huge = Buffer.from(png);
    huge.writeUInt32BE(30_000, 16); // IHDR's width
    expect(mediaBytesProblem('image/png', huge)?.en).toBe(
      'the body is not image/png (30000×1 pixels; at most 20000 a side)',
    );
  });
});
