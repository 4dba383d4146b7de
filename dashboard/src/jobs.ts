// Jobs view: a page of ListJobs (newest first) filtered by state, with page tokens for the next pages, and the name
// or owner filtered within the page. Rows follow the live FarmWatch: bars move as progress is pushed, new jobs appear
// on the first page. Editors submit here and cancel or retry their own jobs.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { canChange, canSubmit, describe, jobApi, type Me } from "./api";
import { bar, fill, h } from "./dom";
import type { FarmWatch } from "./farmwatch";
import { isEnded, jobState, span, when } from "./format";
import { JobState, type Job } from "./gen/renderfarm/v1/job_pb";
import { submitForm } from "./submit";

const pageSize = 50;

export function jobsView(root: HTMLElement, watch: FarmWatch, me: Me, say: (message: string) => void): () => void {
  let jobs: Job[] = [];
  const tokens: string[] = [""]; // page tokens of the pages seen: tokens[i] reads page i
  let page = 0;
  let next = "";

  const state = h(
    "select",
    { "data-testid": "state-filter", onchange: () => load(0) },
    h("option", { value: "" }, "every state"),
    ...[JobState.WAITING, JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELED].map((s) =>
      h("option", { value: String(s) }, jobState(s)),
    ),
  ) as HTMLSelectElement;
  const text = h("input", { type: "search", placeholder: "name or owner", "data-testid": "name-filter", oninput: () => draw() }) as HTMLInputElement;
  const pager = h("span", { class: "pager" });
  const table = h("tbody", {});

  fill(
    root,
    h("h2", {}, "Jobs"),
    canSubmit(me) ? submitForm(me, say, (job) => addOrUpdate(job, true)) : null,
    h("div", { class: "filters" }, state, text, pager),
    h(
      "table",
      { class: "jobs" },
      h("thead", {}, h("tr", {}, h("th", {}, "Job"), h("th", {}, "State"), h("th", {}, "Progress"), h("th", {}, "Owner"), h("th", {}, "Submitted"), h("th", {}, ""))),
      table,
    ),
  );

  const wanted = (job: Job) => !state.value || job.state === Number(state.value);

  async function load(to: number) {
    try {
      const response = await jobApi.listJobs({ states: state.value ? [Number(state.value)] : [], pageSize, pageToken: tokens[to] ?? "" });
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
    const filter = text.value.trim().toLowerCase();
    const shown = jobs.filter((j) => !filter || j.spec?.name.toLowerCase().includes(filter) || j.spec?.owner.toLowerCase().includes(filter));
    fill(table, ...shown.map((job) => row(job, me, say)));
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
  return off;
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
    h("td", {}, when(job.createTime)),
    h(
      "td",
      {},
      mine && !isEnded(job.state) ? act("Cancel", () => jobApi.cancelJob({ jobId: job.id })) : null,
      mine && (job.state === JobState.FAILED || job.state === JobState.CANCELED) ? act("Retry", () => jobApi.retryJob({ jobId: job.id })) : null,
    ),
  );
}
