import { describe, expect, it } from 'vitest';
import { chosenPath, newProjectDialogOptions, openDialogOptions } from './dialogs';

describe('the native dialogs’ options', () => {
  it('pick a project file, a folder or a CSV, starting at the home folder', () => {
    expect(openDialogOptions('project', '/home/ana')).toMatchObject({
      defaultPath: '/home/ana',
      properties: ['openFile'],
      filters: [{ extensions: ['sqlite'] }],
    });
    expect(openDialogOptions('folder', '/home/ana')?.properties).toEqual(['openDirectory']);
    expect(openDialogOptions('csv', '/home/ana')?.filters).toEqual([
      { name: 'CSV files', extensions: ['csv'] },
    ]);
    expect(newProjectDialogOptions('/home/ana')).toMatchObject({ filters: [{ extensions: ['sqlite'] }] });
  });

  it('refuse a request that names no kind of theirs, such as options of its own', () => {
    for (const kind of ['', 'file', { properties: ['openFile', 'multiSelections'] }, null, 'constructor'])
      expect(openDialogOptions(kind, '/home/ana')).toBeNull();
  });

  it('read the path chosen, or none when cancelled', () => {
    expect(chosenPath({ canceled: false, filePaths: ['/a/b.sqlite'] })).toBe('/a/b.sqlite');
    expect(chosenPath({ canceled: false, filePath: '/a/new.sqlite' })).toBe('/a/new.sqlite');
    expect(chosenPath({ canceled: true, filePaths: ['/a/b.sqlite'] })).toBeNull();
    expect(chosenPath({ canceled: false, filePaths: [] })).toBeNull();
  });
});
