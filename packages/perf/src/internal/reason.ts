/** `: message` for an abort reason worth showing, else nothing. */
export function reasonSuffix(reason: unknown): string {
  if (reason instanceof Error) return `: ${reason.message}`;
  return typeof reason === 'string' ? `: ${reason}` : '';
}
