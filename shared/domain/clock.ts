/** Time comes in: the domain never reads the system clock itself. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}
