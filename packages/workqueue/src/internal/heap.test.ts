import { describe, expect, it } from "vitest";
import { Heap } from "./heap.js";

interface Item {
  value: number;
  index: number;
}

describe("Heap", () => {
  it("pops in order", () => {
    const heap = new Heap<Item>((a, b) => a.value < b.value);
    const values = Array.from({ length: 200 }, (_, i) => (i * 7919) % 211);
    for (const value of values) heap.push({ value, index: -1 });
    const out: number[] = [];
    for (let item = heap.pop(); item; item = heap.pop()) out.push(item.value);
    expect(out).toEqual([...values].sort((a, b) => a - b));
    expect(heap.size).toBe(0);
    expect(heap.pop()).toBeUndefined();
  });

  it("re-orders an item whose priority changed", () => {
    const heap = new Heap<Item>((a, b) => a.value < b.value);
    const items = [50, 10, 40, 30, 20].map((value) => ({ value, index: -1 }));
    for (const item of items) heap.push(item);
    const fifty = items[0]!;
    fifty.value = 1;
    heap.fix(fifty);
    expect(heap.peek()).toBe(fifty);
    const ten = items[1]!;
    ten.value = 100;
    heap.fix(ten);
    const out: number[] = [];
    for (let item = heap.pop(); item; item = heap.pop()) out.push(item.value);
    expect(out).toEqual([1, 20, 30, 40, 100]);
  });
});
