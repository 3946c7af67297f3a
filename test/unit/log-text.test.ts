import { describe, expect, it } from 'vitest';
import { printable } from '#infra/local/log-text';
import { consoleObserver } from '#infra/local/live-log';

describe('the live log prints what devices send safely', () => {
  it('escapes control characters, separators and lone surrogates, and cuts long strings with their length', () => {
    expect(printable('a\nb\r\tc\u0000d\u001b[31m')).toBe('a\\nb\\r\\tc\\u0000d\\u001b[31m');
    expect(printable('x\u2028y\u0085z')).toBe('x\\u2028y\\u0085z');
    expect(printable('lone \ud800 high, lone \udc00 low, pair 😀')).toBe(
      'lone \\ud800 high, lone \\udc00 low, pair 😀',
    );
    expect(printable('中文 ok')).toBe('中文 ok');
    expect(printable('a'.repeat(3000), 80)).toBe(`${'a'.repeat(80)}… (3000 characters)`);
  });

  it('cannot be made to print a forged line by a client id', () => {
    const lines: string[] = [];
    const { observer, stop } = consoleObserver({ write: (l) => lines.push(l), intervalMs: 60_000 });
    const forged = 'x\n05:00:00 case     OPENED bin_fire (critical) at gr-001 FORGED-LOG-LINE\u0000';
    observer.broker!.refused!('connect', forged, 'not a registered thing');
    observer.broker!.refused!('connect', 'y'.repeat(3000), 'not a registered thing');
    stop();
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => !l.includes('\n') && !l.includes('\u0000'))).toBe(true);
    expect(lines[0]).toContain('x\\n05:00:00 case');
    expect(lines[1]!.length).toBeLessThan(300);
    expect(lines[1]).toContain('(3000 characters)');
  });
});
