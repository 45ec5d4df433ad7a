// How the commands' reports read without --json: one function per report, each returning the
// lines the command writes to stdout.
import type { EvalReport, ImportReport, ModelVersion, SplitCounts, TrainReport } from '$shared/contract';
import { plural } from '$shared/plural';

export function describeEval(report: EvalReport): string {
  const pct = (value: number | null) => (value === null ? '   -' : (100 * value).toFixed(1).padStart(5));
  const metrics = (m: EvalReport['threshold']) =>
    `CP ${pct(m.CP)}  CR ${pct(m.CR)}  CF1 ${pct(m.CF1)}  OP ${pct(m.OP)}  OR ${pct(m.OR)}  OF1 ${pct(m.OF1)}`;
  const width = Math.max(5, ...report.perClass.map((entry) => entry.class.length));
  const count = (value: number, width: number) => String(value).padStart(width);
  return (
    [
      `${report.version} (version ${report.modelId}, ${report.model}) on ${report.images} photos (split ${report.split}` +
        (report.unpredicted ? `; ${report.unpredicted} not predicted yet, left out` : '') +
        (report.comparedWith === null
          ? ''
          : `; compared with version ${report.comparedWith} on the same photos` +
            (report.leftOutForComparison ? `, ${report.leftOutForComparison} left out for it` : '')) +
        `), ${report.classesEvaluated} classes`,
      `mAP ${pct(report.mAP)}`,
      `at 0.5: ${metrics(report.threshold)}`,
      `top-3:  ${metrics(report.top3)}`,
      // P, R and F1 at each class's threshold in use; a label is disputed when the model's
      // probability is on the other side of that threshold.
      `${'class'.padEnd(width)}     AP  thresh      P      R     F1   positive: agreed disputed   negative: agreed disputed   unknown`,
      ...report.perClass.map(({ class: name, ap, atThreshold: at, unknown }) =>
        [
          name.padEnd(width),
          ` ${pct(ap)}`,
          at.threshold.toFixed(2).padStart(7),
          ` ${pct(at.precision)}`,
          ` ${pct(at.recall)}`,
          ` ${pct(at.f1)}`,
          count(at.positiveAgreed, 18),
          count(at.positiveDisputed, 8),
          count(at.negativeAgreed, 18),
          count(at.negativeDisputed, 8),
          count(unknown, 9),
        ].join(' '),
      ),
    ].join('\n') + '\n'
  );
}

export const percent = (value: number | null | undefined) =>
  value == null ? '–' : `${(100 * value).toFixed(1)}`;

export function describeTraining(report: TrainReport): string {
  const { comparison, version } = report;
  const lines = [
    `trained on ${report.backend ?? '?'} in ${report.trainSeconds?.toFixed(1) ?? '?'} s ` +
      `(features ${report.featureSeconds?.toFixed(1) ?? '?'} s), ${version?.trained?.epochs ?? 0} epochs, ` +
      `${version?.trained ? `${version.trained.config.heads} heads, λ ${version.trained.config.lambda}` : ''}`,
  ];
  if (comparison)
    lines.push(
      `val mAP ${percent(comparison.before)} (${comparison.baseline}) → ${percent(comparison.after)} (${version?.name ?? 'new'})`,
      ...comparison.perClass.map(
        (entry) =>
          `  ${entry.class.padEnd(16)} ${percent(entry.before).padStart(5)} → ${percent(entry.after).padStart(5)}`,
      ),
    );
  if (version)
    lines.push(
      `version ${version.id} (${version.name}) ${report.activated ? 'is now active' : 'made, not activated'}`,
    );
  if (report.labelsChangedSince > 0)
    lines.push(
      `${report.labelsChangedSince} labels changed while it trained; the run used them as they were when it started`,
    );
  return lines.join('\n') + '\n';
}

export function describeVersions(versions: ModelVersion[]): string {
  return (
    versions
      .map(
        (v) =>
          `${v.active ? '*' : ' '} ${String(v.id).padStart(3)}  ${v.name.padEnd(18)} ${v.createdAt}  ` +
          (v.trained ? `val mAP ${percent(v.metrics?.valMAP)} on ${v.trained.backend}` : 'pack as shipped') +
          (v.problem ? `  (${v.problem})` : ''),
      )
      .join('\n') + '\n'
  );
}

/** Photos per split; train, val and test also as shares of the photos in a split. */
export function describeSplits(counts: SplitCounts): string {
  const placed = counts.train + counts.val + counts.test;
  const width = String(placed + counts.none).length;
  const line = (split: keyof SplitCounts, note: string) =>
    `  ${split.padEnd(5)}  ${String(counts[split]).padStart(width)}  ${note}`.trimEnd();
  const share = (n: number) => (placed === 0 ? '' : `${((100 * n) / placed).toFixed(1)} %`);
  return (
    [
      `${placed} of ${placed + counts.none} photos in a split`,
      line('train', share(counts.train)),
      line('val', share(counts.val)),
      line('test', share(counts.test)),
      line('none', 'no split (photos without labels)'),
    ].join('\n') + '\n'
  );
}

export function describeImport(report: ImportReport, classCount: number): string {
  const lines = [
    `${plural(report.found, 'photo')} found: ${report.added} new, ${report.existing} already in the project, ` +
      `${report.duplicates.length} duplicates, ${report.skipped.length} skipped`,
  ];
  for (const { path, duplicateOf } of report.duplicates)
    lines.push(`  duplicate  ${path} (same as ${duplicateOf})`);
  for (const { path, reason } of report.skipped) lines.push(`  skipped    ${path}: ${reason}`);
  if (report.labels) {
    const { format, classes, photosLabelled, labelsWritten, humanLabelsKept, unmatchedRows } = report.labels;
    const { unmatched = unmatchedRows.length, classesCreated = [], skipped } = report.labels;
    if (format) lines.push(`labels file format: ${format}`);
    lines.push(
      `labels: ${classes} classes, ${photosLabelled} photos labelled, ${labelsWritten} labels written` +
        (humanLabelsKept ? `, ${humanLabelsKept} human labels kept` : '') +
        (unmatched ? `, ${unmatched} rows name no imported photo` : ''),
    );
    if (classesCreated.length)
      lines.push(`  new classes (${classesCreated.length}): ${classesCreated.join(', ')}`);
    if (unmatched)
      lines.push(`  unmatched: ${unmatchedRows.join(', ')}${unmatched > unmatchedRows.length ? ', …' : ''}`);
    for (const { at, reason } of skipped?.examples ?? []) lines.push(`  unread     ${at}: ${reason}`);
    if (skipped && skipped.count > skipped.examples.length)
      lines.push(`  … and ${skipped.count - skipped.examples.length} more not read`);
  }
  lines.push(`project: ${classCount} classes`);
  return lines.join('\n') + '\n';
}
