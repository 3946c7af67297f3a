import { describe, expect, it } from 'vitest';
import { parseTopic, topicFilterFor, topicFor, topicMatches } from '#shared/domain/topics';

describe('topic scheme', () => {
  it('builds and parses each kind’s topic', () => {
    expect(topicFor('bins', 'bin-1')).toBe('dt/cityops/bins/bin-1/fill');
    expect(topicFor('sweepers', 's-1')).toBe('dt/cityops/sweepers/s-1/geo');
    expect(topicFor('cameras', 'c-1')).toBe('dt/cityops/cameras/c-1/detections');
    expect(parseTopic('dt/cityops/bins/bin-1/fill')).toEqual({ ok: true, kind: 'bins', thing: 'bin-1', type: 'fill' });
    expect(parseTopic('dt/cityops/sweepers/sw:01_a/geo')).toMatchObject({
      ok: true,
      kind: 'sweepers',
      thing: 'sw:01_a',
    });
  });

  it.each([
    ['', 'empty'],
    ['dt/cityops/bins/bin-1', '5 levels'],
    ['dt/cityops/bins/bin-1/fill/extra', '5 levels'],
    ['cmd/cityops/bins/bin-1/fill', 'start with'],
    ['dt/other/bins/bin-1/fill', 'start with'],
    ['dt/cityops/trucks/t-1/fill', 'unknown device kind'],
    ['dt/cityops/bins/bin 1/fill', 'not a valid thing name'],
    ['dt/cityops/bins//fill', 'not a valid thing name'],
    [`dt/cityops/bins/${'x'.repeat(129)}/fill`, 'not a valid thing name'],
    ['dt/cityops/bins/bin-1/geo', 'bins publish "fill"'],
    ['dt/cityops/cameras/c-1/fill', 'cameras publish "detections"'],
    ['$aws/things/bin-1/shadow', '5 levels'],
  ])('refuses %j with a reason', (topic, reason) => {
    const parsed = parseTopic(topic);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });

  it('matches topic filters as MQTT does', () => {
    expect(topicFilterFor('bins')).toBe('dt/cityops/bins/+/fill');
    expect(topicMatches('dt/cityops/bins/+/fill', 'dt/cityops/bins/bin-1/fill')).toBe(true);
    expect(topicMatches('dt/cityops/bins/+/fill', 'dt/cityops/sweepers/s-1/geo')).toBe(false);
    expect(topicMatches('dt/cityops/bins/+/fill', 'dt/cityops/bins/bin-1/fill/x')).toBe(false);
    expect(topicMatches('dt/cityops/#', 'dt/cityops/bins/bin-1/fill')).toBe(true);
    expect(topicMatches('dt/cityops/bins/+', 'dt/cityops/bins')).toBe(false);
  });
});
