// Where the library grid's tiles go: columns from the viewport's width and a fixed tile size, the
// rows the viewport shows (and a few around them), and where to translate that window of tiles to.
// Pure arithmetic, so that a grid of 10,000 photos puts only a few dozen tiles in the DOM.

export interface GridMetrics {
  /** The narrowest a tile may be; tiles stretch to fill the row. */
  minTileWidth: number;
  /** Every tile's height: rows are all alike, so their positions are arithmetic. */
  tileHeight: number;
  /** Space between tiles, across and down. */
  gap: number;
  /** Rows kept in the DOM above and below the ones in view, so a fast scroll shows no gap. */
  overscanRows: number;
}

export const defaultMetrics: GridMetrics = {
  minTileWidth: 176,
  tileHeight: 224,
  gap: 12,
  overscanRows: 4,
};

export interface GridWindow {
  columns: number;
  /** The width each tile gets. */
  tileWidth: number;
  /** A row's height with the gap below it. */
  rowStride: number;
  rows: number;
  /** The height of every row together: the scrollable content's height. */
  height: number;
  /** The photos to put in the DOM: indexes from `start` (inclusive) to `end` (exclusive). */
  start: number;
  end: number;
  /** How far down the first of them sits. */
  offset: number;
}

/** The window of tiles a viewport `width` × `viewportHeight` shows when scrolled to `scrollTop`. */
export function gridWindow(
  total: number,
  width: number,
  viewportHeight: number,
  scrollTop: number,
  metrics: GridMetrics = defaultMetrics,
): GridWindow {
  const { minTileWidth, tileHeight, gap, overscanRows } = metrics;
  const columns = Math.max(1, Math.floor((Math.max(0, width) + gap) / (minTileWidth + gap)));
  const tileWidth = Math.max(0, (width - gap * (columns - 1)) / columns);
  const rowStride = tileHeight + gap;
  const rows = Math.ceil(Math.max(0, total) / columns);
  const height = rows === 0 ? 0 : rows * rowStride - gap;
  const top = Math.max(0, scrollTop);
  const firstRow = Math.max(0, Math.floor(top / rowStride) - overscanRows);
  const lastRow = Math.min(rows, Math.ceil((top + Math.max(0, viewportHeight)) / rowStride) + overscanRows);
  const start = Math.min(total, firstRow * columns);
  const end = Math.min(total, Math.max(start, lastRow * columns));
  return { columns, tileWidth, rowStride, rows, height, start, end, offset: firstRow * rowStride };
}

/** The scrollTop that brings photo `index` into a viewport scrolled to `scrollTop`, if it is out of view. */
export function scrollToShow(
  index: number,
  columns: number,
  rowStride: number,
  tileHeight: number,
  viewportHeight: number,
  scrollTop: number,
): number {
  const top = Math.floor(index / Math.max(1, columns)) * rowStride;
  if (top < scrollTop) return top;
  if (top + tileHeight > scrollTop + viewportHeight) return Math.max(0, top + tileHeight - viewportHeight);
  return scrollTop;
}
