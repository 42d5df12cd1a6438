/** Text for HTML content or a quoted attribute: every character that could open markup is escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** HTML already escaped or built from escaped parts, told apart from plain text by its type. */
export class SafeHtml {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

/** A template whose interpolated values are escaped, unless they are SafeHtml (or lists of it). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  const part = (value: unknown): string => {
    if (value instanceof SafeHtml) return value.text;
    if (Array.isArray(value)) return value.map(part).join('');
    if (value === undefined || value === null || value === false) return '';
    return escapeHtml(String(value));
  };
  return new SafeHtml(strings.reduce((out, text, index) => out + text + (index < values.length ? part(values[index]) : ''), ''));
}
