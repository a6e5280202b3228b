/**
 * A strict reader of the XML subset reports use (a declaration, elements, attributes, text,
 * character and the five predefined entity references): enough to prove a JUnit report is
 * well-formed and to read it back. Anything else — a tag left open, a stray `<` or `&`, an
 * attribute without quotes, a character XML 1.0 cannot carry — throws, naming the offset.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_][\w.-]*/;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
// XML 1.0 Char: tab, newline, return, and U+0020 up, without lone surrogates, U+FFFE, U+FFFF.
const NOT_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function decode(raw: string, at: number): string {
  if (/[<]/.test(raw)) throw new Error(`xml: "<" in text or attribute at ${at}`);
  return raw.replace(/&([^;]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) throw new Error(`xml: unterminated reference at ${at}`);
    if (ref in ENTITIES) return ENTITIES[ref] ?? '';
    const m = /^#(x[0-9A-Fa-f]+|[0-9]+)$/.exec(ref);
    if (!m?.[1]) throw new Error(`xml: unknown entity &${ref}; at ${at}`);
    const code = m[1].startsWith('x') ? parseInt(m[1].slice(1), 16) : Number(m[1]);
    return String.fromCodePoint(code);
  });
}

/** The root element of `text`; throws on anything that is not well-formed. */
export function parseXml(text: string): XmlElement {
  if (NOT_CHAR.test(text)) throw new Error('xml: a character XML 1.0 does not allow');
  let i = 0;
  const decl = /^<\?xml [^?]*\?>\s*/.exec(text);
  if (decl) i = decl[0].length;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = text.slice(i, lt === -1 ? text.length : lt);
    if (stack.length === 0 ? chunk.trim() !== '' : false)
      throw new Error(`xml: text outside the root element at ${i}`);
    const top = stack[stack.length - 1];
    if (top) top.text += decode(chunk, i);
    if (lt === -1) break;
    if (text.startsWith('</', lt)) {
      const end = /^<\/([A-Za-z_][\w.-]*)\s*>/.exec(text.slice(lt));
      const open = stack.pop();
      if (!end || !open || open.name !== end[1])
        throw new Error(`xml: mismatched end tag at ${lt}`);
      i = lt + end[0].length;
      continue;
    }
    if (root && stack.length === 0) throw new Error(`xml: a second root element at ${lt}`);
    let j = lt + 1;
    const name = NAME.exec(text.slice(j))?.[0];
    if (!name) throw new Error(`xml: bad tag name at ${lt}`);
    j += name.length;
    const el: XmlElement = { name, attrs: {}, children: [], text: '' };
    for (;;) {
      const rest = text.slice(j);
      const close = /^\s*(\/?)>/.exec(rest);
      if (close) {
        j += close[0].length;
        (stack[stack.length - 1]?.children ?? []).push(el);
        root ??= el;
        if (close[1] !== '/') stack.push(el);
        break;
      }
      const a = /^\s+([A-Za-z_][\w.:-]*)="([^"]*)"/.exec(rest);
      if (!a?.[1] || a[2] === undefined) throw new Error(`xml: bad attribute at ${j}`);
      if (a[1] in el.attrs) throw new Error(`xml: attribute ${a[1]} given twice at ${j}`);
      el.attrs[a[1]] = decode(a[2], j);
      j += a[0].length;
    }
    i = j;
  }
  if (!root || stack.length > 0) throw new Error('xml: no root element, or one left open');
  return root;
}

/** Every element named `name` under `el`, depth first. */
export function elementsNamed(el: XmlElement, name: string): XmlElement[] {
  return [...(el.name === name ? [el] : []), ...el.children.flatMap((c) => elementsNamed(c, name))];
}
