/** RFC 7468 text encoding: the blocks of one label in a PEM text, as DER. */
export function decodePem(text: string, label: string): Uint8Array[] {
  const blocks: Uint8Array[] = [];
  const pattern = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (const match of text.matchAll(pattern)) {
    if (match[1] === label) blocks.push(new Uint8Array(Buffer.from((match[2] ?? '').replace(/\s+/g, ''), 'base64')));
  }
  return blocks;
}

export function encodePem(der: Uint8Array, label: string): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
