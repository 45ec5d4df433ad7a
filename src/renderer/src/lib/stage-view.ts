// The photo stage, drawn with Konva: the photo fitted to the stage, zoomed around the pointer
// (wheel) or the centre (keys) and panned by dragging; over it the class attention overlay (a class
// map colored with viridis and transparent where it is low, scaled up with bilinear smoothing)
// and, in "all classes" mode, a dot and a name at the peak of each class at its threshold.
//
// Three layers, each its own canvas: the photo, the overlay (its opacity is the canvas's CSS
// opacity, so the slider redraws nothing) and the markers. None of them listens for hits; dragging
// anywhere pans the stage. The layers share the stage's transform: one photo pixel is one unit.
import Konva from 'konva/lib/Core';
import { Circle } from 'konva/lib/shapes/Circle';
import { Image as KonvaImage } from 'konva/lib/shapes/Image';
import { Rect } from 'konva/lib/shapes/Rect';
import { Text } from 'konva/lib/shapes/Text';
import { colorize, type ClassMap } from './attention-overlay';
import { formatProbability } from './format';
import type { Peak } from './workspace.svelte';

export interface StageViewState {
  /** Screen pixels per photo pixel. */
  scale: number;
  /** The photo fits the stage (no zoom or pan since). */
  fitted: boolean;
}

/** Zoom steps of the keys; the wheel zooms continuously. */
const keyStep = 1.25;
const maxScale = 32;

/** Each map colored at its own size once (maps are decoded once per photo and kept). */
const colored = new WeakMap<ClassMap, HTMLCanvasElement>();

function cellsOf(map: ClassMap): HTMLCanvasElement {
  let cells = colored.get(map);
  if (!cells) {
    cells = document.createElement('canvas');
    cells.width = map.size;
    cells.height = map.size;
    cells.getContext('2d')!.putImageData(new ImageData(colorize(map), map.size, map.size), 0, 0);
    colored.set(map, cells);
  }
  return cells;
}

export class StageView {
  readonly stage: Konva.Stage;
  /** Told after every zoom, pan and fit. */
  onView: ((view: StageViewState) => void) | null = null;

  readonly #photoLayer = new Konva.Layer({ listening: false });
  readonly #overlayLayer = new Konva.Layer({ listening: false });
  readonly #markerLayer = new Konva.Layer({ listening: false });
  readonly #photo = new KonvaImage({ image: undefined, x: 0, y: 0 });
  readonly #overlay: Konva.Shape;
  readonly #markers = new Konva.Group();
  #cells: HTMLCanvasElement | null = null;
  #photoWidth = 0;
  #photoHeight = 0;
  #fitScale = 1;
  #fitted = true;

  constructor(container: HTMLDivElement, width: number, height: number) {
    this.stage = new Konva.Stage({ container, width, height, draggable: true });
    this.#overlay = new Konva.Shape({
      sceneFunc: (context) => {
        if (!this.#cells) return;
        // Straight onto the canvas, in the layer's transform: Konva's wrapper cannot set the quality.
        const canvas = context._context;
        canvas.imageSmoothingEnabled = true;
        canvas.imageSmoothingQuality = 'medium';
        canvas.drawImage(this.#cells, 0, 0, this.#photoWidth, this.#photoHeight);
      },
    });
    this.#photoLayer.add(this.#photo);
    this.#overlayLayer.add(this.#overlay);
    this.#markerLayer.add(this.#markers);
    this.stage.add(this.#photoLayer, this.#overlayLayer, this.#markerLayer);
    this.#overlayLayer.getNativeCanvasElement().dataset.layer = 'overlay';
    this.#markerLayer.getNativeCanvasElement().dataset.layer = 'markers';
    this.#photoLayer.getNativeCanvasElement().dataset.layer = 'photo';

    this.stage.on('wheel', (event) => {
      event.evt.preventDefault();
      const pointer = this.stage.getPointerPosition() ?? undefined;
      this.zoomBy(Math.exp(-event.evt.deltaY * 0.0015), pointer);
    });
    this.stage.on('dragmove', () => {
      this.#fitted = false;
    });
    this.stage.on('dragend', () => this.#told());
    this.stage.on('dblclick dbltap', () => this.fit());
  }

  /** Shows a photo (null: none), fitted to the stage when it is another photo than before. */
  setPhoto(image: HTMLImageElement | null): void {
    if (this.#photo.image() === image) return;
    this.#photo.image(image ?? undefined);
    const width = image?.naturalWidth ?? 0;
    const height = image?.naturalHeight ?? 0;
    const sameShape = width === this.#photoWidth && height === this.#photoHeight;
    this.#photoWidth = width;
    this.#photoHeight = height;
    this.#photo.size({ width, height });
    // Moving between photos of one shape keeps the zoom and pan: the same detail stays in view.
    if (!sameShape || this.#fitted) this.fit(false);
  }

  /** Shows `map` as the overlay (null: none). */
  setOverlay(map: ClassMap | null): void {
    this.#cells = map ? cellsOf(map) : null;
    this.#overlayLayer.visible(map !== null);
  }

  setOverlayOpacity(opacity: number): void {
    this.#overlayLayer.getNativeCanvasElement().style.opacity = String(opacity);
  }

  /** Marks each peak with a dot and its class's name (null or empty: no markers). */
  setPeaks(peaks: readonly Peak[] | null): void {
    this.#markers.destroyChildren();
    for (const peak of peaks ?? []) {
      const marker = new Konva.Group({
        x: peak.x * this.#photoWidth,
        y: peak.y * this.#photoHeight,
        name: 'peak',
      });
      marker.add(
        new Circle({ radius: 9, fill: 'rgba(0,0,0,0.55)' }),
        new Circle({ radius: 6, fill: peak.color, stroke: '#ffffff', strokeWidth: 2 }),
      );
      const text = new Text({
        x: 14,
        y: -9,
        text: `${peak.name} ${formatProbability(peak.probability)}`,
        fontSize: 13,
        fontStyle: 'bold',
        fontFamily: 'system-ui, sans-serif',
        fill: '#ffffff',
        padding: 3,
      });
      marker.add(
        new Rect({
          x: 14,
          y: -9,
          width: text.width(),
          height: text.height(),
          fill: 'rgba(15,17,21,0.85)',
          stroke: peak.color,
          strokeWidth: 1.5,
          cornerRadius: 4,
        }),
        text,
      );
      this.#markers.add(marker);
    }
    this.#scaleMarkers();
  }

  /** Draws every layer now (not at the next frame): what the switch timings measure. */
  draw(): void {
    this.#photoLayer.draw();
    if (this.#overlayLayer.visible()) this.#overlayLayer.draw();
    this.#markerLayer.draw();
  }

  resize(width: number, height: number): void {
    if (width === this.stage.width() && height === this.stage.height()) return;
    this.stage.size({ width, height });
    if (this.#fitted) this.fit(false);
    else this.#told();
    this.stage.batchDraw();
  }

  /** Fits the photo to the stage, centred. */
  fit(draw = true): void {
    const width = this.stage.width();
    const height = this.stage.height();
    this.#fitScale =
      this.#photoWidth > 0 && this.#photoHeight > 0
        ? Math.min(width / this.#photoWidth, height / this.#photoHeight)
        : 1;
    const scale = this.#fitScale;
    this.stage.scale({ x: scale, y: scale });
    this.stage.position({
      x: (width - this.#photoWidth * scale) / 2,
      y: (height - this.#photoHeight * scale) / 2,
    });
    this.#fitted = true;
    this.#scaleMarkers();
    this.#told();
    if (draw) this.stage.batchDraw();
  }

  /** One zoom step in (1) or out (-1), around the stage's centre. */
  zoom(step: 1 | -1): void {
    this.zoomBy(step > 0 ? keyStep : 1 / keyStep);
  }

  /** Zooms by `factor` keeping the photo point under `around` (the centre unless given) in place. */
  zoomBy(factor: number, around?: { x: number; y: number }): void {
    const point = around ?? { x: this.stage.width() / 2, y: this.stage.height() / 2 };
    const old = this.stage.scaleX();
    const scale = Math.min(Math.max(old * factor, Math.min(this.#fitScale, 1) / 2), maxScale);
    if (scale === old) return;
    const position = this.stage.position();
    this.stage.scale({ x: scale, y: scale });
    this.stage.position({
      x: point.x - ((point.x - position.x) * scale) / old,
      y: point.y - ((point.y - position.y) * scale) / old,
    });
    this.#fitted = false;
    this.#scaleMarkers();
    this.#told();
    this.stage.batchDraw();
  }

  /** Where the photo lies on the stage, in CSS pixels from the stage's top-left corner. */
  photoRect(): { x: number; y: number; width: number; height: number } {
    const scale = this.stage.scaleX();
    const { x, y } = this.stage.position();
    return { x, y, width: this.#photoWidth * scale, height: this.#photoHeight * scale };
  }

  destroy(): void {
    this.onView = null;
    this.stage.destroy();
  }

  /** Markers keep their size on screen whatever the zoom. */
  #scaleMarkers(): void {
    const inverse = 1 / this.stage.scaleX();
    for (const marker of this.#markers.getChildren()) marker.scale({ x: inverse, y: inverse });
  }

  #told(): void {
    this.onView?.({ scale: this.stage.scaleX(), fitted: this.#fitted });
  }
}
