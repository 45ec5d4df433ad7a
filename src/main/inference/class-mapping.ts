import type { ClassInfo } from '../../shared/contract';
import { modelClassFor } from '../models/coco';

export interface ClassMappingEntry {
  classId: number;
  className: string;
  /** Index of the class in the model's outputs. */
  modelIndex: number;
}

/**
 * The project classes a model predicts, matched by name (COCO names and their VOC synonyms), in
 * project order. Classes the model does not know are left out: they get no pre-labels.
 */
export function projectClassMapping(
  classes: readonly ClassInfo[],
  modelClasses: readonly string[],
): ClassMappingEntry[] {
  return classes.flatMap((entry) => {
    const modelIndex = modelClassFor(entry.name, modelClasses);
    return modelIndex === undefined ? [] : [{ classId: entry.id, className: entry.name, modelIndex }];
  });
}
