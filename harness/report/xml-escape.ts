/**
 * Text and attribute values for XML and HTML documents. Evidence lines, agent error messages and
 * transcripts come from outside: the five markup characters are escaped, and control characters
 * that XML 1.0 cannot carry at all (anything below U+0020 but tab, line feed and carriage return,
 * and U+FFFE/U+FFFF) are written as visible `\uXXXX` text rather than dropped silently.
 */
const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}
