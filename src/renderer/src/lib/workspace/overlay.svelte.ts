// The class-map overlay on the workspace's stage: the photo's class maps (strongest class first),
// the class the person chose (kept from photo to photo), whether the overlay or "all classes"
// shows, its opacity, and the peaks "all classes" marks. ↓/↑ cycle through the maps; choosing a
// class or toggling a view is a class switch the stage times.
import type { ClassInfo, ImageSummary } from '$shared/contract';
import { ApiError } from '$shared/rpc';
import type { ClassMap, ClassMapCache } from '../attention-overlay';
import { messageOf } from '../errors';
import { markSwitch, type SwitchMark } from './switch-mark';

/** Where the model sees a class most, in fractions of the photo from its top-left corner. */
export interface Peak {
  classId: number;
  name: string;
  color: string;
  probability: number;
  x: number;
  y: number;
}

/** What the overlay reads of the workspace, and where it says what happened. */
export interface OverlayHost {
  /** The photo on show. */
  readonly imageId: number | null;
  /** The project's classes: their names, colors and thresholds. */
  readonly classes: readonly ClassInfo[];
  message: string | null;
  error: string | null;
  switchMark: SwitchMark | null;
}

export class ClassMapOverlay {
  /** The current photo's class maps, strongest class first, once read (`mapsFor` says for which). */
  maps = $state.raw<ClassMap[]>([]);
  mapsFor = $state<number | null>(null);
  /** The class whose map the person chose last; kept from photo to photo. */
  chosenClassId = $state<number | null>(null);
  overlay = $state(true);
  opacity = $state(0.55);
  allClasses = $state(false);

  /** The map on show: the chosen class's, or the strongest class's when the photo has none for it. */
  selectedMap = $derived(this.maps.find((map) => map.classId === this.chosenClassId) ?? this.maps[0] ?? null);
  /** The peaks "all classes" marks. */
  peaks = $derived.by(() => peaksOf(this.maps, this.#host.classes));

  readonly #classMaps: Pick<ClassMapCache, 'get'>;
  readonly #host: OverlayHost;

  constructor(classMaps: Pick<ClassMapCache, 'get'>, host: OverlayHost) {
    this.#classMaps = classMaps;
    this.#host = host;
  }

  /** Shows `classId`'s map (and the overlay, when it was off). */
  selectClass(classId: number): void {
    if (this.chosenClassId !== classId || !this.overlay || this.allClasses) this.#mark();
    this.chosenClassId = classId;
    this.overlay = true;
    this.allClasses = false;
  }

  /** Shows the map of the next (or previous) class that has one, strongest first. */
  cycleMap(step: 1 | -1): void {
    if (this.maps.length === 0) {
      // Without a word ↓/↑ would look broken on a photo that has no maps.
      this.#host.message =
        this.mapsFor === this.#host.imageId
          ? 'No class maps for this photo yet: pre-label it to see where each class is'
          : 'Class maps are still loading';
      return;
    }
    const at = this.maps.findIndex((map) => map.classId === this.selectedMap?.classId);
    this.selectClass(this.maps[(at + step + this.maps.length) % this.maps.length]!.classId);
  }

  toggleOverlay(): void {
    this.#mark();
    this.overlay = !this.overlay;
    if (this.overlay) this.allClasses = false;
  }

  toggleAllClasses(): void {
    this.#mark();
    this.allClasses = !this.allClasses;
  }

  /** Another photo is shown: the last photo's maps go, unless they are its own, until `load`. */
  showing(imageId: number): void {
    if (this.mapsFor !== imageId) this.maps = [];
    this.mapsFor = null;
  }

  /** Reads the photo's maps, and shows them when it is still the photo on show. */
  async load(imageId: number): Promise<void> {
    let maps: ClassMap[] = [];
    try {
      maps = await this.#classMaps.get(imageId);
    } catch (error) {
      // Not predicted yet: no maps to show. Anything else is worth saying.
      if (!(error instanceof ApiError && error.code === 'not_found') && this.#host.imageId === imageId) {
        this.#host.error = messageOf(error);
      }
    }
    if (this.#host.imageId !== imageId) return;
    this.maps = maps;
    this.mapsFor = imageId;
  }

  /** A photo's summary was read: when predictions came since its maps were found missing, ask again. */
  summaryRead(image: ImageSummary): void {
    const imageId = image.id;
    if (imageId === this.#host.imageId && this.mapsFor === imageId && this.maps.length === 0) {
      if (image.predictions.length > 0) void this.load(imageId);
    }
  }

  /** No photo on show: no maps. */
  clear(): void {
    this.maps = [];
    this.mapsFor = null;
  }

  #mark(): void {
    this.#host.switchMark = markSwitch('class');
  }
}

/** The peaks "all classes" marks: classes at or above their threshold only, as a weak one reads as a find. */
export function peaksOf(maps: readonly ClassMap[], classes: readonly ClassInfo[]): Peak[] {
  const byId = new Map(classes.map((item) => [item.id, item]));
  return maps.flatMap((map) => {
    const item = byId.get(map.classId);
    return item && map.probability >= item.threshold
      ? [
          {
            classId: item.id,
            name: item.name,
            color: item.color,
            probability: map.probability,
            ...peakOf(map),
          },
        ]
      : [];
  });
}

/** The strongest cell of a class map: its centre, in fractions of the photo. */
export function peakOf(map: ClassMap): { x: number; y: number } {
  let at = 0;
  for (let i = 1; i < map.values.length; i += 1) if (map.values[i]! > map.values[at]!) at = i;
  return { x: ((at % map.size) + 0.5) / map.size, y: (Math.floor(at / map.size) + 0.5) / map.size };
}
