import type { ContentCoding } from '../data/compression.js';

export type ChosenCoding = ContentCoding | 'identity';

// Server preference when the client rates codings equally: brotli is smaller for the same text.
const PREFERENCE: readonly ChosenCoding[] = ['br', 'gzip', 'identity'];

/**
 * The coding to send for an `Accept-Encoding` header (RFC 9110 §12.5.3): the highest q-value wins, ties go to
 * brotli, then gzip, then identity. Identity stays acceptable unless excluded (`identity;q=0`, or `*;q=0` without it); when
 * the client excludes everything we can send, it gets identity anyway rather than an error.
 */
export function chooseCoding(header: string | undefined): ChosenCoding {
  if (!header) return 'identity';
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.split(';');
    const coding = name.trim().toLowerCase();
    if (coding === '') continue;
    let weight = 1;
    for (const param of params) {
      const [key, value] = param.split('=').map((s) => s.trim());
      if (key?.toLowerCase() === 'q') {
        const parsed = Number(value);
        weight = Number.isFinite(parsed) && parsed >= 0 && parsed <= 1 ? parsed : 0;
      }
    }
    // A coding listed twice keeps its best weight.
    q.set(coding, Math.max(weight, q.get(coding) ?? 0));
  }
  const star = q.get('*');
  // Identity, when not listed, is acceptable (unless `*;q=0`) but ranks no higher than the client's least
  // preferred listed coding: `gzip;q=0.8` asks for gzip, not for an unlisted identity at q=1.
  const lowest = Math.min(1, ...q.values());
  const weightOf = (coding: ChosenCoding): number =>
    q.get(coding) ?? (coding === 'identity' ? (star === 0 ? 0 : lowest) : (star ?? 0));
  let best: ChosenCoding = 'identity';
  let bestWeight = 0;
  for (const coding of PREFERENCE) {
    const weight = weightOf(coding);
    if (weight > bestWeight) {
      best = coding;
      bestWeight = weight;
    }
  }
  return best;
}

const MEMO_LIMIT = 256;
const memo = new Map<string, ChosenCoding>();

/** chooseCoding, remembered for the few distinct headers real clients send. */
export function codingFor(header: string | undefined): ChosenCoding {
  if (!header) return 'identity';
  let chosen = memo.get(header);
  if (chosen === undefined) {
    chosen = chooseCoding(header);
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(header, chosen);
  }
  return chosen;
}
