import { findNodeAtLocation, parse, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { UserError } from '../errors.ts';

interface Style {
  eol: string;
  unit: string;
}

/** The indentation and line ending a file already uses, so an edit looks like the user's own. */
function styleOf(text: string): Style {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const unit = /^([ \t]+)\S/m.exec(text)?.[1] ?? '  ';
  return { eol, unit: unit.startsWith('\t') ? '\t' : unit };
}

/** Leading whitespace of the line `offset` is on. */
function indentAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

const render = (value: unknown, style: Style, indent: string): string => JSON.stringify(value, null, style.unit).split('\n').join(`${style.eol}${indent}`);

const unreadable = (path: string, why: string) =>
  new UserError('CONFIG_UNREADABLE', `${path} ${why}; it was left unchanged.`, 'Fix the file (or move it away) and try again, or paste the snippet by hand.');

/** Parses JSON with comments and trailing commas (VS Code's and Cursor's mcp.json allow both). */
export function parseConfig(path: string, text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    const first = errors[0]!;
    const line = text.slice(0, first.offset).split('\n').length;
    throw unreadable(path, `is not valid JSON (${printParseErrorCode(first.error)} on line ${line})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw unreadable(path, 'does not hold a JSON object');
  return value as Record<string, unknown>;
}

/** Adds `"key": value` as the last property of an object node, after whatever is there. */
function insertProperty(text: string, object: Node, key: string, value: unknown, style: Style): string {
  const props = object.children ?? [];
  const objectIndent = indentAt(text, object.offset);
  const last = props[props.length - 1];
  if (last) {
    const indent = indentAt(text, last.offset);
    const end = last.offset + last.length;
    const property = `${JSON.stringify(key)}: ${render(value, style, indent)}`;
    const lineEnd = text.indexOf('\n', end);
    const restOfLine = lineEnd === -1 ? '' : text.slice(end, lineEnd).replace(/\r$/, '');
    const tail = /^(\s*)(,?)(\s*(?:\/\/.*)?)$/.exec(restOfLine);
    if (lineEnd !== -1 && tail) {
      // The last property ends its line (maybe with a trailing comma or a comment): our
      // property goes on the next line, and that line stays as it was, comment included.
      const comma = tail[2] === ',' ? '' : ',';
      return `${text.slice(0, end)}${comma}${text.slice(end, lineEnd + 1)}${indent}${property}${style.eol}${text.slice(lineEnd + 1)}`;
    }
    return `${text.slice(0, end)},${style.eol}${indent}${property}${text.slice(end)}`;
  }
  const indent = objectIndent + style.unit;
  const open = object.offset + 1;
  const rest = text.slice(open).replace(/^[ \t]*/, '');
  const close = rest.startsWith('}') ? objectIndent : indent;
  return `${text.slice(0, open)}${style.eol}${indent}${JSON.stringify(key)}: ${render(value, style, indent)}${style.eol}${close}${rest}`;
}

/**
 * Sets `config[group][name] = entry` by editing the text in place: comments, key order, the user's
 * formatting and every other server stay byte for byte as they were.
 */
export function setServerEntry(path: string, text: string | null, group: string, name: string, entry: unknown): string {
  const source = text ?? '';
  const config = parseConfig(path, source);
  const existing = config[group];
  if (existing !== undefined && (existing === null || typeof existing !== 'object' || Array.isArray(existing))) {
    throw unreadable(path, `has a "${group}" that is not an object`);
  }
  if (source.trim() === '') return `${JSON.stringify({ [group]: { [name]: entry } }, null, 2)}\n`;
  const style = styleOf(source);
  const root = parseTree(source, [], { allowTrailingComma: true })!;
  const groupNode = findNodeAtLocation(root, [group]);
  if (!groupNode) return insertProperty(source, root, group, { [name]: entry }, style);
  const current = findNodeAtLocation(root, [group, name]);
  if (!current) return insertProperty(source, groupNode, name, entry, style);
  const indent = indentAt(source, current.parent!.offset);
  return `${source.slice(0, current.offset)}${render(entry, style, indent)}${source.slice(current.offset + current.length)}`;
}
