/** What a function logs (Powertools' structured JSON in AWS; the console locally). */
export interface Log {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** What a function counts (CloudWatch embedded metrics in AWS). */
export interface Metrics {
  count(name: string, value: number, dimensions?: Record<string, string>): void;
  /** Sends what was counted (a Lambda flushes once per invocation). */
  flush(): void;
}
