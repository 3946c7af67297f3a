import type { Device } from '#shared/domain/city-model';
import { BaseSimulator, round } from './simulator.ts';

export interface GarbageRoomBehaviour {
  /** Never collected: fill climbs past the overflow threshold and stays. */
  neverCollected?: boolean;
  /** Percent per hour. */
  fillRate?: number;
}

/** A garbage-room fill sensor: fill rises with use and drops when the room is emptied. */
export class GarbageRoomSensor extends BaseSimulator {
  private fill: number;
  private readonly rate: number;
  private battery: number;
  private lastAt: number | undefined;
  private readonly collectAt: number;

  constructor(
    device: Device,
    start: number,
    private readonly behaviour: GarbageRoomBehaviour = {},
  ) {
    super(device, start);
    this.fill = 10 + this.random() * 50;
    this.rate = behaviour.fillRate ?? 2 + this.random() * 6;
    this.battery = 55 + this.random() * 45;
    this.collectAt = 72 + this.random() * 15;
  }

  protected reading(now: number) {
    const hours = this.lastAt === undefined ? 0 : (now - this.lastAt) / 3_600_000;
    this.lastAt = now;
    this.fill = Math.min(100, Math.max(0, this.fill + this.rate * hours + (this.random() - 0.5)));
    if (!this.behaviour.neverCollected && this.fill >= this.collectAt) this.fill = 2 + this.random() * 6;
    this.battery = Math.max(0, this.battery - 0.005);
    const hourOfDay = new Date(now).getUTCHours() + 8;
    return {
      ts: now,
      seq: this.nextSeq(),
      fillPct: round(this.fill),
      temperatureC: round(18 + 6 * Math.sin(((hourOfDay - 9) / 24) * 2 * Math.PI) + this.random()),
      tiltDeg: round(this.random() * 3),
      batteryPct: round(this.battery),
    };
  }
}
