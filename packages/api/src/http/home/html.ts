import escapeHtml from 'escape-html';

/** Markup that is already safe: built by `html`, so every text in it was escaped. */
export class Html {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}

/** What may be interpolated: text and numbers (escaped), markup from `html`, lists of these, or nothing. */
export type Fragment = Html | string | number | null | undefined | readonly Fragment[];

function render(fragment: Fragment): string {
  if (fragment instanceof Html) return fragment.markup;
  if (fragment === null || fragment === undefined) return '';
  if (typeof fragment === 'string') return escapeHtml(fragment);
  if (typeof fragment === 'number') return String(fragment);
  return fragment.map(render).join('');
}

/**
 * Tagged template for markup: every interpolated value is escaped unless it is itself an `Html`. Escaping is the
 * default, not a call to remember, so text from the upstream (category and country names, error messages) cannot
 * become markup wherever it is placed — element content or a quoted attribute value.
 */
export function html(strings: TemplateStringsArray, ...values: readonly Fragment[]): Html {
  let markup = strings[0] ?? '';
  values.forEach((value, i) => {
    markup += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(markup);
}
