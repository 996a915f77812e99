/**
 * Order statistics in expected O(n) time (Hoare's selection with a median-of-three pivot), so that
 * a robust fit can take the median of 100,000 residuals fifty times without sorting them.
 */

/**
 * Rearranges `values` so that `values[k]` is the k-th smallest (0-based), everything before it is
 * <= it and everything after it is >= it. Returns `values[k]`.
 */
export function selectInPlace(values: Float64Array, k: number): number {
  if (!(k >= 0 && k < values.length)) {
    throw new RangeError(`Cannot select element ${k} of ${values.length} values`);
  }
  let low = 0;
  let high = values.length - 1;
  while (high > low) {
    const middle = (low + high) >>> 1;
    // Median of three: sorted and constant inputs then split evenly instead of degrading to O(n²).
    if (values[middle] < values[low]) swap(values, middle, low);
    if (values[high] < values[low]) swap(values, high, low);
    if (values[high] < values[middle]) swap(values, high, middle);
    const pivot = values[middle];
    let i = low;
    let j = high;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        swap(values, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) high = j;
    else if (k >= i) low = i;
    else return values[k];
  }
  return values[k];
}

function swap(values: Float64Array, a: number, b: number): void {
  const held = values[a];
  values[a] = values[b];
  values[b] = held;
}

/**
 * The median as numpy computes it: the middle value, or for an even count the mean of the two
 * middle values, `(a + b) / 2`. Throws on an empty input or on NaN.
 * `scratch`, when given, must have the input's length and is overwritten (saves an allocation in
 * loops).
 */
export function median(values: ArrayLike<number>, scratch?: Float64Array): number {
  const n = values.length;
  if (n === 0) throw new RangeError("Cannot take the median of an empty series");
  const work = scratch ?? new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const value = values[i];
    if (Number.isNaN(value)) throw new RangeError(`Cannot take a median: value ${i} is NaN`);
    work[i] = value;
  }
  const upper = selectInPlace(work, n >> 1);
  if (n % 2 === 1) return upper;
  // After selection every element before index n/2 is <= upper; the largest of them is the other middle.
  let lower = work[0];
  for (let i = 1; i < n >> 1; i++) if (work[i] > lower) lower = work[i];
  return (lower + upper) / 2;
}
