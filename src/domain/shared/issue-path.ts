/**
 * Whether a validation issue's path (`containers[0].number`, as `formatPath` writes it) lies at or
 * below a field's path. No imports, so a page script matches issues to fields exactly as the server.
 */
export function isWithinPath(issuePath: string, fieldPath: string): boolean {
  return issuePath === fieldPath || issuePath.startsWith(`${fieldPath}.`) || issuePath.startsWith(`${fieldPath}[`);
}
