/**
 * Compile-time proof that a documented response schema describes exactly the type the route sends:
 * `sameType<z.output<typeof schema>, Type>(true)` stops `tsc` when either side changes alone.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export function sameType<A, B>(proof: Same<A, B>): void {
  void proof;
}
