import type { Device, Market } from '#shared/domain/city-model';
import type { Detection, DetectionType } from '#shared/domain/payloads';
import { BaseSimulator, round } from './simulator.ts';

export interface CameraBehaviour {
  /** Detections that keep showing up, zone by zone (a disorderly market). */
  persistent?: { type: DetectionType; zoneKind: Market['zones'][number]['zoneKind'] }[];
}

/** A market camera with edge analytics: mostly nothing, now and then a weak false positive. */
export class MarketCamera extends BaseSimulator {
  constructor(
    device: Device,
    start: number,
    private readonly market: Market,
    private readonly behaviour: CameraBehaviour = {},
  ) {
    super(device, start);
  }

  protected reading(now: number) {
    const detections: Detection[] = [];
    const zone = (kind: string) => this.market.zones.find((z) => z.zoneKind === kind) ?? this.market.zones[0]!;
    if (this.random() < 0.1) {
      const types: DetectionType[] = ['stall_outside_boundary', 'goods_piled', 'litter_pile', 'illegal_parking'];
      detections.push(
        this.detection(
          types[Math.floor(this.random() * types.length)]!,
          zone('perimeter').zoneId,
          0.3 + this.random() * 0.25,
          now,
        ),
      );
    }
    for (const p of this.behaviour.persistent ?? []) {
      if (this.random() < 0.85)
        detections.push(this.detection(p.type, zone(p.zoneKind).zoneId, 0.65 + this.random() * 0.3, now));
    }
    return { ts: now, seq: this.nextSeq(), detections };
  }

  private detection(type: DetectionType, zoneId: string, confidence: number, now: number): Detection {
    const x = round(this.random() * 0.7, 3);
    const y = round(this.random() * 0.7, 3);
    return {
      type,
      zoneId,
      confidence: round(confidence, 2),
      bbox: [x, y, round(0.05 + this.random() * 0.25, 3), round(0.05 + this.random() * 0.25, 3)],
      snapshotKey: `snapshots/${this.device.thing}/${now}.jpg`,
    };
  }
}
