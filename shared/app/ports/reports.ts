/** Where published reports are kept (the reports bucket in AWS, a folder locally), by key. */
export interface ReportStore {
  /** Where the keys live, as a person finds them: `s3://bucket/` or a folder path. */
  readonly location: string;
  exists(key: string): Promise<boolean>;
  put(key: string, body: string, contentType: string): Promise<void>;
}
