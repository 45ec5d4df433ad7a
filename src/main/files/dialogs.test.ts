import { describe, expect, it } from 'vitest';
import { chosenPath, newProjectDialogOptions, openDialogOptions } from './dialogs';

describe('the native dialogs’ options', () => {
  it('pick a project file, a folder or a label file of a format read, starting at the home folder', () => {
    expect(openDialogOptions('project', '/home/ana')).toMatchObject({
      defaultPath: '/home/ana',
      properties: ['openFile'],
      filters: [{ extensions: ['sqlite'] }],
    });
    expect(openDialogOptions('folder', '/home/ana')?.properties).toEqual(['openDirectory']);
    expect(openDialogOptions('labels', '/home/ana')?.filters).toEqual([
      { name: 'Label files', extensions: ['jsonl', 'csv', 'json', 'xml'] },
      { name: 'All files', extensions: ['*'] },
    ]);
    expect(newProjectDialogOptions('create', '/home/ana')).toMatchObject({
      title: 'Create a project',
      filters: [{ extensions: ['sqlite'] }],
    });
    expect(newProjectDialogOptions('save-as', '/home/ana')?.title).toBe('Save the project as');
  });

  it('refuse a request that names no kind of theirs, such as options of its own', () => {
    for (const kind of ['', 'file', { properties: ['openFile', 'multiSelections'] }, null, 'constructor'])
      expect(openDialogOptions(kind, '/home/ana')).toBeNull();
    for (const purpose of ['', 'open', { title: 'Yours' }, undefined, 'constructor'])
      expect(newProjectDialogOptions(purpose, '/home/ana')).toBeNull();
  });

  it('read the path chosen, or none when cancelled', () => {
    expect(chosenPath({ canceled: false, filePaths: ['/a/b.sqlite'] })).toBe('/a/b.sqlite');
    expect(chosenPath({ canceled: false, filePath: '/a/new.sqlite' })).toBe('/a/new.sqlite');
    expect(chosenPath({ canceled: true, filePaths: ['/a/b.sqlite'] })).toBeNull();
    expect(chosenPath({ canceled: false, filePaths: [] })).toBeNull();
  });
});
