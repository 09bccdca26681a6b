// lib.ts: the second file; it throws.
type N = number;

export function checkPositive(n: N): N {
  if (n <= 0) {
    throw new RangeError(`not positive: ${n}`);
  }
  return n;
}
