/** A node of a {@link LinkedList}: the element carries its own links. */
export interface Linked<T> {
  prev: T | undefined;
  next: T | undefined;
}

/**
 * An intrusive doubly linked list, oldest first: O(1) append and O(1) removal from anywhere, with
 * no allocation (the elements hold the links). Used where elements leave out of order (aborted
 * waiters, batches that settle out of turn); a Set churned per element made V8's GC far slower.
 */
export class LinkedList<T extends Linked<T>> {
  head: T | undefined;
  #tail: T | undefined;
  size = 0;

  push(node: T): void {
    node.prev = this.#tail;
    node.next = undefined;
    if (this.#tail === undefined) this.head = node;
    else this.#tail.next = node;
    this.#tail = node;
    this.size++;
  }

  /** Unlinks a node that is in this list. */
  remove(node: T): void {
    if (node.prev === undefined) this.head = node.next;
    else node.prev.next = node.next;
    if (node.next === undefined) this.#tail = node.prev;
    else node.next.prev = node.prev;
    node.prev = node.next = undefined;
    this.size--;
  }
}
