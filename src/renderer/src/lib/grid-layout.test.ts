// The grid's arithmetic: columns from the width, the window of rows in view and its offset.
import { describe, expect, it } from 'vitest';
import { gridWindow, scrollToShow, type GridMetrics } from './grid-layout';

const metrics: GridMetrics = { minTileWidth: 100, tileHeight: 90, gap: 10, overscanRows: 1 };

describe('the grid window', () => {
  it('fits as many columns as the width takes and stretches the tiles to fill it', () => {
    expect(gridWindow(50, 330, 400, 0, metrics)).toMatchObject({ columns: 3, tileWidth: 310 / 3 });
    expect(gridWindow(50, 320, 400, 0, metrics).columns).toBe(3);
    expect(gridWindow(50, 319, 400, 0, metrics).columns).toBe(2);
    // Never fewer than one column, even before the width is known.
    expect(gridWindow(50, 0, 0, 0, metrics)).toMatchObject({ columns: 1, tileWidth: 0 });
  });

  it('holds only the rows in view and one either side, at 10,000 photos as at 10', () => {
    // 4 columns of 100 px, rows of 90 + 10: 2,500 rows.
    const top = gridWindow(10_000, 430, 300, 0, metrics);
    expect(top).toMatchObject({ columns: 4, rows: 2500, height: 2500 * 100 - 10, start: 0, offset: 0 });
    // Rows 0–2 are in view (300 px), and one more below.
    expect(top.end).toBe(16);

    const middle = gridWindow(10_000, 430, 300, 50_050, metrics);
    // Row 500 is at the top (half of it scrolled past), 503 at the bottom; one row either side.
    expect(middle).toMatchObject({ start: 499 * 4, end: 505 * 4, offset: 499 * 100 });

    const bottom = gridWindow(10_000, 430, 300, 249_990 - 300, metrics);
    expect(bottom.end).toBe(10_000);
    expect(bottom.end - bottom.start).toBeLessThanOrEqual(6 * 4);
  });

  it('stops at a last row that is not full, and holds nothing for no photos', () => {
    const last = gridWindow(10, 430, 1000, 0, metrics);
    expect(last).toMatchObject({ rows: 3, start: 0, end: 10, height: 290 });
    expect(gridWindow(0, 430, 300, 0, metrics)).toMatchObject({ rows: 0, height: 0, start: 0, end: 0 });
    // Scrolled past the end (the total shrank): an empty window, not a negative one.
    const past = gridWindow(10, 430, 300, 5_000, metrics);
    expect(past.end).toBeGreaterThanOrEqual(past.start);
  });
});

describe('scrolling a tile into view', () => {
  it('scrolls up to a tile above, down to one below, and not at all for one in view', () => {
    // 4 columns, rows of 100 px, tiles of 90, a 300 px viewport scrolled to 1,000 (rows 10–12).
    expect(scrollToShow(41, 4, 100, 90, 300, 1000)).toBe(1000);
    expect(scrollToShow(39, 4, 100, 90, 300, 1000)).toBe(900);
    expect(scrollToShow(52, 4, 100, 90, 300, 1000)).toBe(1390 - 300);
  });
});
