/**
 * An en-US number format made at its first use, not when its module loads: the first Intl.NumberFormat of a
 * process loads ICU's number data (10 to 20 ms here), which a cold start that renders no page must not pay.
 */
export function numberFormat(options?: Intl.NumberFormatOptions): { format(value: number): string } {
  let made: Intl.NumberFormat | undefined;
  return {
    format: (value) => {
      made ??= new Intl.NumberFormat('en-US', options);
      return made.format(value);
    },
  };
}
