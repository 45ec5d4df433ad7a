// Which project class each of a model's outputs is: what pre-labels, the grid and metrics go by.
import type { ClassInfo } from '$shared/contract';
import { modelClassFor } from '../models/coco';

export interface ClassMappingEntry {
  classId: number;
  className: string;
  /** Index of the class in the model's outputs. */
  modelIndex: number;
}

/** What the mapping needs of a model: its class names and, for a trained version, the class ids. */
export interface MappedModel {
  classes: readonly string[];
  /** The project classes a trained version was trained for, in its output order. */
  classIds?: readonly number[] | null;
}

/**
 * The project classes a model predicts, in project order: a trained version's by class id (so a
 * class renamed since keeps its pre-labels), a pack's by name (COCO names and their VOC synonyms).
 * Classes the model does not know are left out: they get no pre-labels.
 */
export function projectClassMapping(classes: readonly ClassInfo[], model: MappedModel): ClassMappingEntry[] {
  return classes.flatMap((entry) => {
    const modelIndex = model.classIds
      ? model.classIds.indexOf(entry.id)
      : modelClassFor(entry.name, model.classes);
    if (modelIndex === -1) return [];
    return modelIndex === undefined ? [] : [{ classId: entry.id, className: entry.name, modelIndex }];
  });
}
