import { describe, expect, it } from 'vitest';
import { isAppFrame, rendererEntry } from './trusted-sender';

const built = 'file:///opt/CSRA%20Studio/resources/app.asar/out/renderer/index.html';
const devServer = 'http://localhost:5173';

describe('the page the desktop window loads', () => {
  it("is the dev server's while developing, and the built page in a packaged app whatever the environment says", () => {
    expect(rendererEntry(false, devServer, built)).toBe(devServer);
    expect(rendererEntry(false, undefined, built)).toBe(built);
    expect(rendererEntry(true, 'https://attacker.example', built)).toBe(built);
  });
});

describe('who may call the API over IPC', () => {
  const top = (url: string) => ({ url, top: true });

  it("is the built page's top frame, whatever its query or fragment", () => {
    expect(isAppFrame(top(built), built)).toBe(true);
    expect(isAppFrame(top(`${built}?view=grid#photo-3`), built)).toBe(true);
  });

  it('is never a frame inside the page, another file, a web page or a frame already gone', () => {
    expect(isAppFrame({ url: built, top: false }, built)).toBe(false);
    expect(isAppFrame(top('file:///home/user/Downloads/index.html'), built)).toBe(false);
    expect(
      isAppFrame(top('file://evil-host/opt/CSRA%20Studio/resources/app.asar/out/renderer/index.html'), built),
    ).toBe(false);
    expect(isAppFrame(top('https://example.com/'), built)).toBe(false);
    expect(isAppFrame(top('about:blank'), built)).toBe(false);
    expect(isAppFrame(top('not a url'), built)).toBe(false);
    expect(isAppFrame(null, built)).toBe(false);
  });

  it("is, while developing, a top frame of the dev server's origin and of no other", () => {
    expect(isAppFrame(top(`${devServer}/`), devServer)).toBe(true);
    expect(isAppFrame(top(`${devServer}/src/views/grid.html`), devServer)).toBe(true);
    expect(isAppFrame({ url: `${devServer}/`, top: false }, devServer)).toBe(false);
    expect(isAppFrame(top('http://localhost:5174/'), devServer)).toBe(false);
    expect(isAppFrame(top('https://localhost:5173/'), devServer)).toBe(false);
    expect(isAppFrame(top(built), devServer)).toBe(false);
    expect(isAppFrame(top('data:text/html,hello'), 'data:text/html,hello')).toBe(false);
  });
});
