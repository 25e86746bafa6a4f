/**
 * Walking every page of a keyset-paged query. The reader says where the next page starts: `next`,
 * taken from the last document it read, whether or not that document parsed. A sweep never rebuilds
 * the position from the items it kept: a page whose documents were all malformed keeps nothing, and
 * is still not the end (cache warming once stopped there and left the rest of the week cold).
 */

export interface Page<T, C> {
  items: T[];
  /** Where the next page starts, or null when this page was the last. */
  next: C | null;
}

/** Every page in order, empty ones included, until the reader says there is no next page. */
export async function* sweep<T, C>(read: (after: C | null) => Promise<Page<T, C>>): AsyncGenerator<T[]> {
  let after: C | null = null;
  do {
    const page = await read(after);
    yield page.items;
    after = page.next;
  } while (after !== null);
}
