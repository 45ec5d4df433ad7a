// npm run bench:import — import speed on the 765 real VOC photos, and the grid-page query on a
// synthetic 100,000-photo project. Prints figures; asserts nothing (timings belong here, not in tests).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createClient } from '../src/shared/rpc';
import { createStudio } from '../src/main/api';
import { ensureClasses } from '../src/main/db/classes';
import { openDatabase } from '../src/main/db/connection';
import { insertImage } from '../src/main/db/images';
import { createJob } from '../src/main/db/jobs';
import { writeImportedLabels, type ImportedLabel } from '../src/main/db/labels';
import { vocImages, vocLabels } from '../test/fixtures/paths';

const dir = await mkdtemp(join(tmpdir(), 'csra-bench-'));
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

try {
  await benchImport();
  await benchGridPage(100_000);
} finally {
  await rm(dir, { recursive: true, force: true });
}

async function benchImport() {
  const studio = createStudio();
  const api = createClient(studio);
  await api.createProject({ path: join(dir, 'voc.sqlite') });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const started = performance.now();
  const job = await api.startImport({ folder: vocImages, labelsCsv: vocLabels });
  await new Promise<void>((resolve) =>
    api.onEvent(
      (event) =>
        event.type === 'job' && event.job.id === job.id && event.job.status !== 'running' && resolve(),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const report = await api.getImportReport({ jobId: job.id });
  await studio.close();
  console.log(
    `import: ${report.added} photos (+ thumbnails, hashes, ${report.labels?.labelsWritten} labels) in ${seconds.toFixed(2)} s`,
  );
  console.log(`import: ${(report.added / seconds).toFixed(1)} photos/s (target >= 100)`);
  console.log(
    `import: peak RSS ${mib(peakRss)} (process max RSS ${mib(process.resourceUsage().maxRSS * 1024)})`,
  );
}

async function benchGridPage(count: number) {
  const path = join(dir, 'synthetic.sqlite');
  const db = openDatabase(path, { create: true });
  const job = createJob(db, 'import', { synthetic: count });
  const classNames = Array.from({ length: 20 }, (_, i) => `class-${i}`);
  const { ids } = ensureClasses(db, classNames);
  const classIds = [...ids.values()];
  const fill = performance.now();
  const chunk = 5_000;
  for (let start = 0; start < count; start += chunk) {
    const labels: ImportedLabel[] = [];
    db.transaction(() => {
      for (let i = start; i < start + chunk; i += 1) {
        const imageId = insertImage(
          db,
          {
            path: `/photos/${String(i % 100).padStart(2, '0')}/${String(i).padStart(7, '0')}.jpg`,
            sha256: i.toString(16).padStart(64, '0'),
            bytes: 100_000,
            format: 'jpeg',
            width: 500,
            height: 375,
            orientation: 1,
            modifiedAt: '2026-01-01T00:00:00.000Z',
          },
          job.id,
        );
        // Every photo labelled for every class, about 1.5 positives each, as in VOC.
        for (const classId of classIds) {
          labels.push({
            imageId,
            classId,
            state: (imageId * 7 + classId * 13) % 20 < 1.5 ? 'positive' : 'negative',
          });
        }
      }
    })();
    writeImportedLabels(db, labels, job.id);
  }
  db.close();
  console.log(
    `grid: synthetic project of ${count} photos, ${count * classIds.length} labels built in ${((performance.now() - fill) / 1000).toFixed(1)} s`,
  );

  const studio = createStudio();
  const api = createClient(studio);
  await api.openProject({ path });
  const times: number[] = [];
  for (let run = 0; run < 60; run += 1) {
    const offset = run === 0 ? 0 : Math.floor(Math.random() * (count - 200));
    const started = performance.now();
    const page = await api.listImages({ offset, limit: 200 });
    times.push(performance.now() - started);
    if (page.images.length !== 200 || page.images[0]!.labels.length !== classIds.length) {
      throw new Error(`unexpected page at offset ${offset}`);
    }
  }
  await studio.close();
  const sorted = [...times.slice(1)].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2);
  console.log(`grid: first page (cold) ${times[0]!.toFixed(2)} ms`);
  console.log(
    `grid: page of 200 photos with labels at random offsets: median ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms (target <= 20)`,
  );
}
