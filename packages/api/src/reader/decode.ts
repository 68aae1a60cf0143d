export type TextEncoding = 'utf-8' | 'windows-1252';

export interface DecodedText {
  readonly text: string;
  readonly encoding: TextEncoding;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
// WHATWG maps the label latin1 to windows-1252 too: one decoder covers both.
const windows1252 = new TextDecoder('windows-1252');

/** UTF-8 (with or without BOM) when the bytes are valid UTF-8, Windows-1252 otherwise. */
export function decodeText(bytes: Uint8Array): DecodedText {
  try {
    return { text: utf8.decode(bytes), encoding: 'utf-8' };
  } catch {
    return { text: windows1252.decode(bytes), encoding: 'windows-1252' };
  }
}
