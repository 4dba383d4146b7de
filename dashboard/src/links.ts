// Batches and chains as links: a job's batch by name (to the jobs view filtered to that batch), and the jobs a chained
// job follows or feeds (to their job views). Batch names are read once per batch (BatchService.GetBatch) and kept.
import { createClient } from "@connectrpc/connect";
import { h } from "./dom";
import { transport } from "./api";
import { BatchService } from "./gen/renderfarm/v1/batch_service_pb";
import type { Job } from "./gen/renderfarm/v1/job_pb";

const batchApi = createClient(BatchService, transport);
const names = new Map<string, Promise<string>>();

function batchName(batchId: string): Promise<string> {
  let name = names.get(batchId);
  if (!name) {
    name = batchApi.getBatch({ batchId }).then((r) => r.batch?.name || batchId, () => batchId);
    names.set(batchId, name);
  }
  return name;
}

/** The batch's name (its id until the name is read), linking to the jobs view of that batch's jobs. */
export function batchLink(batchId: string): HTMLElement {
  const a = h("a", { href: `#/jobs?batch=${encodeURIComponent(batchId)}`, title: batchId, "data-testid": "batch-link" }, batchId);
  void batchName(batchId).then((name) => (a.textContent = name));
  return a;
}

/** "follows JOB" for a chained job, "feeds JOB, …" for the job whose output others take. */
export function chainLinks(job: Job): (Node | string)[] {
  const link = (id: string) => h("a", { href: `#/job/${encodeURIComponent(id)}` }, id);
  const parts: (Node | string)[] = [];
  if (job.spec?.inputFromJob) parts.push("follows ", link(job.spec.inputFromJob));
  if (job.feedsJobIds.length) parts.push(parts.length ? " · feeds " : "feeds ", ...job.feedsJobIds.flatMap((id) => [link(id)]));
  return parts;
}
