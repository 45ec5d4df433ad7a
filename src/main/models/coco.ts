// The 80 COCO classes in the order of CenterNet's output channels, and the matching of a project's
// class names (e.g. PASCAL VOC's) to them.

/**
 * Channel i of CenterNet's `tower_0/keypoints` is class i of this list. The order is
 * @vladmandic/human 3.3.6's own: `src/object/labels.ts` lists `{ class: i + 1, label }` and
 * `src/object/centernet.ts` reads a detection's class index c as `labels[c].label`.
 */
export const cocoClasses = [
  'person',
  'bicycle',
  'car',
  'motorcycle',
  'airplane',
  'bus',
  'train',
  'truck',
  'boat',
  'traffic light',
  'fire hydrant',
  'stop sign',
  'parking meter',
  'bench',
  'bird',
  'cat',
  'dog',
  'horse',
  'sheep',
  'cow',
  'elephant',
  'bear',
  'zebra',
  'giraffe',
  'backpack',
  'umbrella',
  'handbag',
  'tie',
  'suitcase',
  'frisbee',
  'skis',
  'snowboard',
  'sports ball',
  'kite',
  'baseball bat',
  'baseball glove',
  'skateboard',
  'surfboard',
  'tennis racket',
  'bottle',
  'wine glass',
  'cup',
  'fork',
  'knife',
  'spoon',
  'bowl',
  'banana',
  'apple',
  'sandwich',
  'orange',
  'broccoli',
  'carrot',
  'hot dog',
  'pizza',
  'donut',
  'cake',
  'chair',
  'couch',
  'potted plant',
  'bed',
  'dining table',
  'toilet',
  'tv',
  'laptop',
  'mouse',
  'remote',
  'keyboard',
  'cell phone',
  'microwave',
  'oven',
  'toaster',
  'sink',
  'refrigerator',
  'book',
  'clock',
  'vase',
  'scissors',
  'teddy bear',
  'hair drier',
  'toothbrush',
] as const;

/** PASCAL VOC names that differ from their COCO class. */
export const vocToCoco: Readonly<Record<string, string>> = {
  aeroplane: 'airplane',
  diningtable: 'dining table',
  motorbike: 'motorcycle',
  pottedplant: 'potted plant',
  sofa: 'couch',
  tvmonitor: 'tv',
};

/** Case, spaces, underscores and hyphens ignored: "Dining_Table" ≡ "dining table" ≡ "dining-table". */
export function normaliseClassName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '');
}

const synonyms = new Map(
  Object.entries(vocToCoco).map(([voc, coco]) => [normaliseClassName(voc), normaliseClassName(coco)]),
);

/**
 * The index in `modelClasses` of the class a project's class name stands for — the same name
 * (normalised), or its COCO name when it is a VOC synonym — or undefined when none matches.
 */
export function modelClassFor(projectClassName: string, modelClasses: readonly string[]): number | undefined {
  const key = normaliseClassName(projectClassName);
  const normalised = modelClasses.map(normaliseClassName);
  const direct = normalised.indexOf(key);
  if (direct >= 0) return direct;
  const synonym = synonyms.get(key);
  const index = synonym === undefined ? -1 : normalised.indexOf(synonym);
  return index >= 0 ? index : undefined;
}
