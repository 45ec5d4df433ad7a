// Exporting the labels: the formats that can write, the choice of one (a split, the model's
// probabilities), what that format will lose said before anything is written, and the result.
import type { ExchangeFormatInfo, OpInput, OpOutput, Split } from '$shared/contract';
import type { Api } from '$shared/rpc';
import { attempt } from './errors';

export class ExportStore {
  formats = $state<ExchangeFormatInfo[]>([]);
  format = $state('jsonl');
  /** Absent: every photo with a label or a split. */
  split = $state<Split | undefined>(undefined);
  predictions = $state(false);
  out = $state('');
  /** What the chosen export would write and lose; read again with each choice. */
  preview = $state<OpOutput<'previewExport'> | null>(null);
  result = $state<OpOutput<'exportLabels'> | null>(null);
  busy = $state(false);
  error = $state<string | null>(null);

  readonly #api: Api;

  constructor(api: Api) {
    this.#api = api;
  }

  get chosen(): ExchangeFormatInfo | undefined {
    return this.formats.find((format) => format.id === this.format);
  }

  #choice(): OpInput<'previewExport'> {
    return { format: this.format, predictions: this.predictions, ...(this.split && { split: this.split }) };
  }

  load(): Promise<boolean> {
    return attempt(this, async () => {
      this.formats = (await this.#api.listFormats({})).filter((format) => format.canExport);
      this.preview = await this.#api.previewExport(this.#choice());
    });
  }

  /** Takes a choice of format, split or probabilities, and says again what it would lose. */
  choose(choice: Partial<Pick<ExportStore, 'format' | 'split' | 'predictions'>>): Promise<boolean> {
    Object.assign(this, choice);
    this.result = null;
    return attempt(this, async () => {
      this.preview = await this.#api.previewExport(this.#choice());
    });
  }

  run(): Promise<boolean> {
    const out = this.out.trim();
    if (!out) {
      this.error =
        this.chosen?.layout === 'folder' ? 'Enter the folder to export to.' : 'Enter the file to export to.';
      return Promise.resolve(false);
    }
    return attempt(this, async () => {
      this.result = await this.#api.exportLabels({ ...this.#choice(), out });
    });
  }
}
