// The command that lists what is left to review: review.
import { ReviewQueue } from '$shared/contract';
import { parse, UsageError, wholeNumber, type Command } from './args';
import { withProject } from './session';

export const reviewCommands: Record<string, Command> = {
  async review(args, openStudio) {
    const { values, positionals } = parse(
      args,
      {
        queue: { type: 'string' },
        offset: { type: 'string', default: '0' },
        limit: { type: 'string', default: '20' },
        json: { type: 'boolean' },
      },
      1,
    );
    const queue = ReviewQueue.safeParse(values.queue);
    if (!queue.success) throw new UsageError(`--queue must be one of ${ReviewQueue.options.join(', ')}`);
    const offset = wholeNumber('--offset', values.offset, 0);
    const limit = wholeNumber('--limit', values.limit, 1);
    await withProject(openStudio, positionals[0]!, false, async (api) => {
      // The contract's pages hold at most 500 items; a longer list is read page by page.
      const first = await api.listReviewQueue({ queue: queue.data, offset, limit: Math.min(limit, 500) });
      const items = [...first.items];
      while (items.length < limit && offset + items.length < first.total) {
        const page = await api.listReviewQueue({
          queue: queue.data,
          offset: offset + items.length,
          limit: Math.min(limit - items.length, 500),
        });
        if (page.items.length === 0) break;
        items.push(...page.items);
      }
      const { total } = first;
      if (values.json) {
        process.stdout.write(JSON.stringify({ queue: queue.data, total, offset, items }, null, 2) + '\n');
        return;
      }
      const shown =
        items.length === total
          ? ''
          : items.length === 0
            ? `, none from ${offset + 1}`
            : offset === 0
              ? `, the first ${items.length}`
              : `, ${offset + 1} to ${offset + items.length}`;
      const lines = [
        `${queue.data}: ${total} item${total === 1 ? '' : 's'}${shown}`,
        ...items.map((item) => `  ${item.path}: ${item.reason}`),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
  },
};
