export type TextEncoding = 'utf-8' | 'windows-1252';

export interface DecodedText {
  readonly text: string;
  readonly encoding: TextEncoding;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

// Windows-1252 differs from Latin-1 only in 0x80–0x9F. Node's TextDecoder('windows-1252') decodes those as C1
// controls (Latin-1), so the mapping is applied here. Undefined bytes (0x81, 0x8D, 0x8F, 0x90, 0x9D) stay as is.
const CP1252_HIGH: Record<number, string> = {
  128: '€',
  130: '‚',
  131: 'ƒ',
  132: '„',
  133: '…',
  134: '†',
  135: '‡',
  136: 'ˆ',
  137: '‰',
  138: 'Š',
  139: '‹',
  140: 'Œ',
  142: 'Ž',
  145: '‘',
  146: '’',
  147: '“',
  148: '”',
  149: '•',
  150: '–',
  151: '—',
  152: '˜',
  153: '™',
  154: 'š',
  155: '›',
  156: 'œ',
  158: 'ž',
  159: 'Ÿ',
};

function decodeWindows1252(bytes: Uint8Array): string {
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return latin1.replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH[c.charCodeAt(0)] ?? c);
}

/** Bytes that are neither UTF-8 nor Windows-1252 as a whole: what is wrong with them. */
export interface DamagedText {
  readonly damaged: string;
}

const inRange = (byte: number | undefined, low: number, high: number) =>
  byte !== undefined && byte >= low && byte <= high;

/** Length of the well-formed UTF-8 multi-byte sequence at `i` (Unicode table 3-7), or 0 when there is none. */
function multiByteAt(bytes: Uint8Array, i: number): number {
  const lead = bytes[i] ?? 0;
  const next = bytes[i + 1];
  const tail = (from: number, count: number) => {
    for (let k = from; k < from + count; k++) if (!inRange(bytes[i + k], 0x80, 0xbf)) return false;
    return true;
  };
  if (lead >= 0xc2 && lead <= 0xdf) return tail(1, 1) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    const second =
      lead === 0xe0 ? inRange(next, 0xa0, 0xbf) : lead === 0xed ? inRange(next, 0x80, 0x9f) : true;
    return second && tail(1, 2) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    const second =
      lead === 0xf0 ? inRange(next, 0x90, 0xbf) : lead === 0xf4 ? inRange(next, 0x80, 0x8f) : true;
    return second && tail(1, 3) ? 4 : 0;
  }
  return 0;
}

/**
 * UTF-8 (with or without BOM) when the bytes are valid UTF-8. Otherwise Windows-1252 (a superset of Latin-1) when
 * no byte above 0x7F starts a well-formed UTF-8 sequence, as in a file saved in Windows-1252. Bytes that mix both
 * (UTF-8 text with a few invalid bytes) are damaged: read as Windows-1252 every accented letter would become
 * mojibake, and as UTF-8 the invalid bytes would become U+FFFD, so neither reading is the published text.
 */
export function decodeText(bytes: Uint8Array): DecodedText | DamagedText {
  try {
    return { text: utf8.decode(bytes), encoding: 'utf-8' };
  } catch {
    // Only reached for files that are not valid UTF-8: the scan costs nothing on the usual path.
  }
  let sequences = 0;
  let invalid = 0;
  let firstInvalid = -1;
  for (let i = 0; i < bytes.length; ) {
    if ((bytes[i] ?? 0) < 0x80) {
      i++;
      continue;
    }
    const length = multiByteAt(bytes, i);
    if (length > 0) {
      sequences++;
      i += length;
    } else {
      if (firstInvalid === -1) firstInvalid = i;
      invalid++;
      i++;
    }
  }
  if (sequences > 0) {
    return {
      damaged:
        `mixed encodings: ${sequences} UTF-8 sequences but ${invalid} byte(s) that are not UTF-8 ` +
        `(the first at offset ${firstInvalid}); neither UTF-8 nor Windows-1252 reads the whole file`,
    };
  }
  return { text: decodeWindows1252(bytes), encoding: 'windows-1252' };
}
