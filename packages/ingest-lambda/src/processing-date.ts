import { randomBytes } from 'node:crypto';

/** The schedule's time zone: Embrapa and the data's users are in Brazil. */
export const PROCESSING_TIME_ZONE = 'America/Sao_Paulo';

const dayFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: PROCESSING_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The calendar day (`YYYY-MM-DD`) that `instant` falls on in São Paulo. */
export function processingDateOf(instant: Date): string {
  if (Number.isNaN(instant.getTime())) throw new RangeError('processing date of an invalid time');
  const parts = Object.fromEntries(dayFormat.formatToParts(instant).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/**
 * A run id that sorts by start time and is unique across concurrent runs:
 * `20260101T020000Z-3f9a1c2e`.
 */
export function newRunId(
  startedAt: Date,
  random: () => string = () => randomBytes(4).toString('hex'),
): string {
  const stamp = startedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return `${stamp}-${random()}`;
}
