export type Delimiter = '\t' | ';';

/**
 * The delimiter differs between files of one family and between releases of one file, so it is read from the
 * first line (the header, or the first row of a file without one): whichever of tab and semicolon occurs more
 * often there. Null when neither occurs.
 */
export function sniffDelimiter(text: string): Delimiter | null {
  const end = text.search(/\r?\n/);
  const line = end === -1 ? text : text.slice(0, end);
  const tabs = line.split('\t').length - 1;
  const semicolons = line.split(';').length - 1;
  if (tabs === 0 && semicolons === 0) return null;
  return tabs >= semicolons ? '\t' : ';';
}
