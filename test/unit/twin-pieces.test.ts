import { describe, expect, it } from 'vitest';
import { Pieces, type PartStatus, type Piece } from '#infra/local/pieces';

const piece = (name: string, stopped: string[], status: PartStatus = { up: true }): Piece => ({
  health: () => status,
  stop: async () => {
    stopped.push(name);
  },
});

describe('the twin’s pieces', () => {
  it('stop in reverse of their start, each once, though one fails to stop', async () => {
    const stopped: string[] = [];
    const pieces = new Pieces(['store', 'flows', 'broker']);
    pieces.add('store', piece('store', stopped));
    pieces.add('flows', {
      health: () => ({ up: true }),
      stop: async () => {
        stopped.push('flows');
        throw new Error('stuck');
      },
    });
    pieces.add('broker', piece('broker', stopped));
    await pieces.stop();
    await pieces.stop();
    expect(stopped).toEqual(['broker', 'flows', 'store']);
  });

  it('answer /health with every piece, 503 while one is down or not started yet', async () => {
    const pieces = new Pieces(['store', 'relay']);
    pieces.add('store', piece('store', [], { up: false, error: 'TimeoutError' }));
    expect(await pieces.health()).toEqual({
      status: 503,
      body: {
        status: 'degraded',
        parts: { store: { up: false, error: 'TimeoutError' }, relay: { up: false, error: 'starting' } },
      },
    });
    const up = new Pieces(['store']);
    up.add('store', piece('store', []));
    expect(await up.health()).toEqual({ status: 200, body: { status: 'ok', parts: { store: { up: true } } } });
  });

  it('refuse a piece they do not name', () => {
    expect(() => new Pieces(['store']).add('cache', piece('cache', []))).toThrow(/no piece "cache"/);
  });
});
