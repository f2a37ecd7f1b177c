/**
 * Paging by record offset (reference §7: the doc says "page number", Huawei's own Terraform provider
 * advances by records; we follow the provider). Asks for `limit` records, advances by what came
 * back (so a server that caps pages lower than asked is still read completely), stops at `total`.
 */
import { ServiceError } from '../errors.js';

export interface Page<T> {
  total: number;
  items: T[];
}

export const PAGE_LIMIT = 100;

export async function collectPages<T>(what: string, fetchPage: (offset: number, limit: number) => Promise<Page<T>>, limit = PAGE_LIMIT): Promise<T[]> {
  const all: T[] = [];
  let total: number | undefined;
  for (;;) {
    const page = await fetchPage(all.length, limit);
    if (!Number.isInteger(page.total) || page.total < 0) throw new ServiceError(`listing ${what}: the service sent no valid total (${JSON.stringify(page.total)})`);
    // The first page's total is the count we must reach; a changing total means the list moved.
    total ??= page.total;
    all.push(...page.items);
    if (all.length > total) {
      throw new ServiceError(`listing ${what}: got ${all.length} items but the service said there are ${total}`, {
        hint: 'The list changed while it was being read (or the service pages inconsistently); run the command again.',
      });
    }
    if (all.length === total) return all;
    if (page.items.length === 0) {
      throw new ServiceError(`listing ${what}: an empty page at offset ${all.length} before reaching the total of ${total}`, {
        hint: 'The list changed while it was being read (or the service pages inconsistently); run the command again.',
      });
    }
  }
}
