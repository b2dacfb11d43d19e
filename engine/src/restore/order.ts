/**
 * Objects in an order where each comes after the objects its lookups point to (parents before
 * children). Self-lookups are ignored here (they are restored in a second pass); a cycle between
 * objects is broken at the object listed first, and its lookups are then set in the second pass.
 */
export function parentsFirst(objects: readonly string[], refsOf: (object: string) => readonly string[]): string[] {
  const chosen = new Set(objects);
  const out: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (o: string): void => {
    if (state.get(o)) return;
    state.set(o, 'visiting');
    for (const parent of refsOf(o)) if (parent !== o && chosen.has(parent) && !state.get(parent)) visit(parent);
    state.set(o, 'done');
    out.push(o);
  };
  for (const o of objects) visit(o);
  return out;
}
