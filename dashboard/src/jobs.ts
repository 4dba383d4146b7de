// Jobs view: a page of ListJobs (newest first) filtered on the coordinator by state, owner, name and batch, with page
// tokens for the next pages. The filters live in the address (#/jobs?owner=…&name=…&state=…&batch=…), so a view can be
// shared; typing is debounced. Rows follow the live FarmWatch: bars move as progress is pushed, new jobs that match appear
// on the first page. A job's batch links to that batch's jobs, a chained job to the job it follows. Editors submit here
// and cancel or retry their own jobs.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { canChange, canSubmit, describe, jobApi, type Me } from "./api";
import { bar, fill, h } from "./dom";
import { batchLink } from "./links";
import type { FarmWatch } from "./farmwatch";
import { isEnded, jobState, span, when } from "./format";
import { JobState, type Job } from "./gen/renderfarm/v1/job_pb";
import { submitForm } from "./submit";

const pageSize = 50;
const debounceMs = 300;

export function jobsView(root: HTMLElement, watch: FarmWatch, me: Me, say: (message: string) => void, query = new URLSearchParams()): () => void {
  let jobs: Job[] = [];
  const tokens: string[] = [""]; // page tokens of the pages seen: tokens[i] reads page i
  let page = 0;
  let next = "";

  const state = h(
    "select",
    { "data-testid": "state-filter", onchange: () => changed(0) },
    h("option", { value: "" }, "every state"),
    ...[JobState.WAITING, JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELED].map((s) =>
      h("option", { value: String(s) }, jobState(s)),
    ),
  ) as HTMLSelectElement;
  state.value = query.get("state") ?? "";
  let typing: number | undefined;
  const changed = (wait: number) => {
    clearTimeout(typing);
    typing = window.setTimeout(() => {
      share();
      void load(0);
    }, wait);
  };
  const input = (name: string, placeholder: string, testid: string) =>
    h("input", { type: "search", placeholder, value: query.get(name) ?? "", maxlength: 200, "data-testid": testid, oninput: () => changed(debounceMs) }) as HTMLInputElement;
  const owner = input("owner", "owner (exact)", "owner-filter");
  const text = input("name", "name contains", "name-filter");
  const batchId = query.get("batch") ?? "";
  const batch = batchId
    ? h("span", { class: "batch", "data-testid": "batch-filter" }, "batch ", batchLink(batchId), h("a", { href: "#/jobs", title: "every batch" }, "×"))
    : null;
  const pager = h("span", { class: "pager" });
  const table = h("tbody", {});

  fill(
    root,
    h("h2", {}, "Jobs"),
    canSubmit(me) ? submitForm(me, say, (job) => addOrUpdate(job, true)) : null,
    h("div", { class: "filters" }, state, owner, text, batch, pager),
    h(
      "table",
      { class: "jobs" },
      h("thead", {}, h("tr", {}, h("th", {}, "Job"), h("th", {}, "State"), h("th", {}, "Progress"), h("th", {}, "Owner"), h("th", {}, "Batch / chain"), h("th", {}, "Submitted"), h("th", {}, ""))),
      table,
    ),
  );

  /** The filters as ListJobs takes them; a new job pushed by the watch is shown only when it matches them too. */
  const filters = () => ({ states: state.value ? [Number(state.value)] : [], owner: owner.value.trim(), nameContains: text.value.trim(), batchId });
  const wanted = (job: Job) => {
    const f = filters();
    return (f.states.length === 0 || f.states.includes(job.state))
      && (!f.owner || job.spec?.owner === f.owner)
      && (!f.nameContains || (job.spec?.name ?? "").toLowerCase().includes(f.nameContains.toLowerCase()))
      && (!f.batchId || job.spec?.batchId === f.batchId);
  };

  /** Writes the filters into the address without reloading the view (replaceState fires no hashchange). */
  function share() {
    const f = filters();
    const q = new URLSearchParams();
    if (state.value) q.set("state", state.value);
    if (f.owner) q.set("owner", f.owner);
    if (f.nameContains) q.set("name", f.nameContains);
    if (f.batchId) q.set("batch", f.batchId);
    const hash = `#/jobs${q.size ? `?${q}` : ""}`;
    if (location.hash !== hash) history.replaceState(null, "", hash);
  }

  let asked = 0; // answers to older requests (typing outran the coordinator) are dropped
  async function load(to: number) {
    const mine = ++asked;
    try {
      const response = await jobApi.listJobs({ ...filters(), pageSize, pageToken: tokens[to] ?? "" });
      if (mine !== asked) return;
      if (to === 0) tokens.length = 1;
      page = to;
      jobs = response.jobs;
      next = response.nextPageToken;
      if (next) tokens[page + 1] = next;
      draw();
    } catch (error) {
      say(describe(error));
    }
  }

  function addOrUpdate(job: Job, isNew: boolean) {
    const i = jobs.findIndex((j) => j.id === job.id);
    if (i >= 0) jobs[i] = job;
    else if (isNew && page === 0 && wanted(job)) jobs.unshift(job);
    else return;
    draw();
  }

  function draw() {
    fill(table, ...jobs.map((job) => row(job, me, say)));
    fill(
      pager,
      h("button", { disabled: page === 0, onclick: () => load(page - 1) }, "‹ Newer"),
      ` page ${page + 1} `,
      h("button", { disabled: !next, onclick: () => load(page + 1), "data-testid": "next-page" }, "Older ›"),
    );
  }

  const off = watch.on((change) => {
    if (change.kind === "job") addOrUpdate(change.job, change.submitted);
  });
  void load(0);
  return () => {
    clearTimeout(typing);
    off();
  };
}

function timeLeft(job: Job): string {
  if (job.state !== JobState.RUNNING || !job.startTime || job.percent <= 0) return "";
  const elapsed = (Date.now() - timestampDate(job.startTime).getTime()) / 1000;
  return span((elapsed * (100 - job.percent)) / job.percent);
}

export function row(job: Job, me: Me, say: (message: string) => void): HTMLElement {
  const fps = job.tasks.reduce((sum, t) => sum + t.fps, 0);
  const left = timeLeft(job);
  const label = `${job.percent.toFixed(0)} %${fps > 0 ? ` · ${fps.toFixed(0)} fps` : ""}${left ? ` · ${left} left` : ""}`;
  const act = (label: string, run: () => Promise<unknown>) => h("button", { onclick: () => run().catch((e) => say(describe(e))) }, label);
  const owner = job.spec?.owner ?? "";
  const mine = canChange(me, owner);
  return h(
    "tr",
    { "data-testid": "job", "data-job": job.id, "data-state": jobState(job.state) },
    h("td", {}, h("a", { href: `#/job/${job.id}` }, job.spec?.name || job.id), h("div", { class: "dim" }, job.error)),
    h("td", {}, h("span", { class: `state s-${jobState(job.state)}` }, jobState(job.state))),
    h("td", {}, bar(job.percent, label)),
    h("td", {}, owner),
    h(
      "td",
      { class: "dim" },
      job.spec?.batchId ? h("div", { class: "batch", "data-testid": "row-batch" }, batchLink(job.spec.batchId)) : null,
      job.spec?.inputFromJob ? h("div", { class: "chain" }, "follows ", h("a", { href: `#/job/${encodeURIComponent(job.spec.inputFromJob)}` }, job.spec.inputFromJob)) : null,
    ),
    h("td", {}, when(job.createTime)),
    h(
      "td",
      {},
      mine && !isEnded(job.state) ? act("Cancel", () => jobApi.cancelJob({ jobId: job.id })) : null,
      mine && (job.state === JobState.FAILED || job.state === JobState.CANCELED) ? act("Retry", () => jobApi.retryJob({ jobId: job.id })) : null,
    ),
  );
}
