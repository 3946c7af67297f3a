/** Detector defaults merged with a site's `thresholds` overrides (unknown keys are ignored). */
export function withOverrides<T extends Record<string, number>>(
  defaults: T,
  overrides: Record<string, number> | undefined,
): T {
  const merged = { ...defaults };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (key in defaults && Number.isFinite(value)) (merged as Record<string, number>)[key] = value;
  }
  return merged;
}
