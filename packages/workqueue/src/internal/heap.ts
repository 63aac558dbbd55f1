/** An element that knows its position, so that `fix` can find it (as Go's `container/heap`). */
export interface HeapEntry {
  index: number;
}

/** A binary min-heap ordered by `less`. */
export class Heap<T extends HeapEntry> {
  readonly #items: T[] = [];
  readonly #less: (a: T, b: T) => boolean;

  constructor(less: (a: T, b: T) => boolean) {
    this.#less = less;
  }

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    item.index = this.#items.length;
    this.#items.push(item);
    this.#up(item.index);
  }

  pop(): T | undefined {
    const top = this.#items[0];
    const last = this.#items.pop();
    if (top === undefined || last === undefined) return undefined;
    if (last !== top) {
      this.#items[0] = last;
      last.index = 0;
      this.#down(0);
    }
    top.index = -1;
    return top;
  }

  /** Restores the order after `item`'s priority changed. */
  fix(item: T): void {
    if (!this.#down(item.index)) this.#up(item.index);
  }

  clear(): void {
    for (const item of this.#items) item.index = -1;
    this.#items.length = 0;
  }

  #up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#lessAt(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  /** Returns whether the item moved. */
  #down(start: number): boolean {
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.#items.length) break;
      const right = left + 1;
      const child = right < this.#items.length && this.#lessAt(right, left) ? right : left;
      if (!this.#lessAt(child, i)) break;
      this.#swap(i, child);
      i = child;
    }
    return i > start;
  }

  #lessAt(i: number, j: number): boolean {
    const a = this.#items[i];
    const b = this.#items[j];
    return a !== undefined && b !== undefined && this.#less(a, b);
  }

  #swap(i: number, j: number): void {
    const a = this.#items[i];
    const b = this.#items[j];
    if (a === undefined || b === undefined) return;
    this.#items[i] = b;
    this.#items[j] = a;
    a.index = j;
    b.index = i;
  }
}
