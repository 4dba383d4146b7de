// Job view: the job pushed by WatchJob (state, bar, owner, errors), its tasks with wait reasons and every attempt with
// its agent, outcome and error, the live tail of ffmpeg's log (GetTaskLog, followed by page token while the attempt
// runs), the output's ffprobe summary and its thumbnails (thumbnails.ts) once it succeeded.
import { canChange, describe, farmApi, isAuthError, isOperator, jobApi, type Me } from "./api";
import { bar, fill, h } from "./dom";
import { failureClass, isEnded, jobState, outcome, presetName, probeSummary, taskKind, taskState, when } from "./format";
import { AttemptOutcome, JobState, type Job, type RenderTask } from "./gen/renderfarm/v1/job_pb";
import { Thumbnails } from "./thumbnails";
import { batchLink, chainLinks } from "./links";
import { drawTimeline } from "./timeline";

const tailBytes = 6000;

export function jobView(root: HTMLElement, jobId: string, me: Me, say: (message: string) => void, signedOut: (m: string) => void): () => void {
  const abort = new AbortController();
  const head = h("section", { class: "job-head" });
  const poster = h("section", { class: "thumbnails" });
  const tasks = h("section", { class: "tasks" });
  const timeline = h("section", { class: "timeline-panel", "data-testid": "timeline-panel" });
  const logTitle = h("h3", {}, "Log");
  const log = h("pre", { class: "log", "data-testid": "log-tail" });
  fill(root, h("p", {}, h("a", { href: "#/jobs" }, "‹ Jobs")), head, poster, h("h3", {}, "Timeline by agent"), timeline, h("h3", {}, "Tasks"), tasks, logTitle, log);

  let job: Job | undefined;
  const logs = new LogTail(jobId, log, logTitle, abort.signal);
  const thumbnail = new Thumbnails(jobId, poster, abort.signal);

  let ticking: number | undefined; // while an attempt runs its bar grows to now, redrawn every second
  const redrawTimeline = () => {
    clearTimeout(ticking);
    if (job && drawTimeline(timeline, job) && !abort.signal.aborted) ticking = window.setTimeout(redrawTimeline, 1000);
  };
  const draw = () => {
    if (!job) return;
    drawHead(head, job, me, say);
    redrawTimeline();
    drawTasks(tasks, job, me, say);
    logs.follow(latestTask(job));
    if (job.state === JobState.SUCCEEDED) thumbnail.show(["smpte2084", "arib-std-b67"].includes(job.result?.colorTransfer ?? ""));
  };

  (async () => {
    try {
      for await (const response of jobApi.watchJob({ jobId }, { signal: abort.signal })) {
        job = response.job;
        draw();
      }
    } catch (error) {
      if (abort.signal.aborted) return;
      if (isAuthError(error)) return signedOut(describe(error));
      say(describe(error));
    }
  })();

  return () => {
    abort.abort();
    clearTimeout(ticking);
    logs.stop();
    thumbnail.stop();
  };
}

/** The task whose log is worth reading: a running one, else the last one that ran. */
function latestTask(job: Job): RenderTask | undefined {
  const ran = job.tasks.filter((t) => t.attempts.length > 0);
  return ran.find((t) => t.attempts.some((a) => a.outcome === AttemptOutcome.RUNNING)) ?? ran.at(-1);
}

function drawHead(el: HTMLElement, job: Job, me: Me, say: (message: string) => void): void {
  const act = (label: string, run: () => Promise<unknown>) => h("button", { onclick: () => run().catch((e) => say(describe(e))) }, label);
  const spec = job.spec;
  const mine = canChange(me, spec?.owner ?? "");
  const r = job.result;
  fill(
    el,
    h("h2", {}, spec?.name || job.id, " ", h("span", { class: `state s-${jobState(job.state)}`, "data-testid": "job-state" }, jobState(job.state))),
    h("div", { "data-testid": "job-bar" }, bar(job.percent)),
    h(
      "dl",
      {},
      h("dt", {}, "Job"), h("dd", {}, job.id),
      h("dt", {}, "Owner"), h("dd", {}, spec?.owner ?? ""),
      spec?.batchId ? h("dt", {}, "Batch") : null, spec?.batchId ? h("dd", { class: "batch", "data-testid": "job-batch" }, batchLink(spec.batchId)) : null,
      spec?.inputFromJob || job.feedsJobIds.length ? h("dt", {}, "Chain") : null,
      spec?.inputFromJob || job.feedsJobIds.length ? h("dd", { class: "chain", "data-testid": "job-chain" }, ...chainLinks(job)) : null,
      h("dt", {}, "Input"), h("dd", {}, spec?.inputPath ?? ""),
      h("dt", {}, "Output"), h("dd", {}, spec?.outputPath ?? ""),
      h("dt", {}, "Preset"), h("dd", {}, spec?.output ? presetName(spec.output.preset) : "", spec?.grade ? " + grade" : ""),
      h("dt", {}, "Times"), h("dd", {}, `submitted ${when(job.createTime)}`, job.startTime ? `, started ${when(job.startTime)}` : "", job.endTime ? `, ended ${when(job.endTime)}` : ""),
      job.error ? h("dt", {}, "Error") : null, job.error ? h("dd", { class: "error" }, job.error) : null,
      r ? h("dt", {}, "Output probe") : null, r ? h("dd", { "data-testid": "probe" }, probeSummary(r)) : null,
    ),
    h(
      "div",
      { class: "actions" },
      mine && !isEnded(job.state) ? act("Cancel job", () => jobApi.cancelJob({ jobId: job.id })) : null,
      mine && (job.state === JobState.FAILED || job.state === JobState.CANCELED) ? act("Retry job", () => jobApi.retryJob({ jobId: job.id })) : null,
    ),
  );
}

function drawTasks(el: HTMLElement, job: Job, me: Me, say: (message: string) => void): void {
  const operator = isOperator(me);
  const rows = job.tasks.flatMap((task) => [
    h(
      "tr",
      { "data-testid": "task" },
      h("td", {}, taskKind(task.kind), task.chunk ? ` ${task.chunk.index + 1}` : "", h("div", { class: "dim" }, task.id)),
      h("td", {}, h("span", { class: `state s-${taskState(task.state)}` }, taskState(task.state))),
      h("td", {}, bar(task.percent, `${task.percent.toFixed(0)} %${task.fps > 0 ? ` · ${task.fps.toFixed(0)} fps` : ""}`)),
      h("td", { class: "dim" }, task.waitReason?.message ?? ""),
    ),
    ...task.attempts.map((a) =>
      h(
        "tr",
        { class: "attempt", "data-testid": "attempt" },
        h("td", {}, "↳ ", a.agentName),
        h("td", {}, outcome(a.outcome), a.failureClass ? h("div", { class: "dim" }, failureClass(a.failureClass)) : null),
        h("td", {}, `${when(a.startTime)}${a.endTime ? ` – ${when(a.endTime)}` : ""}`),
        h(
          "td",
          { class: a.error ? "error" : "" },
          a.error,
          operator && a.outcome === AttemptOutcome.RUNNING
            ? h("button", { onclick: () => farmApi.cancelAttempt({ attemptId: a.id, reason: `canceled by ${me.name} from the dashboard` }).catch((e) => say(describe(e))) }, "Cancel attempt")
            : null,
        ),
      ),
    ),
  ]);
  fill(el, h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Task"), h("th", {}, "State"), h("th", {}, "Progress"), h("th", {}, "Waits for / error"))), h("tbody", {}, ...rows)));
}

/** Follows one attempt's log by page token: reads what is there, then asks again every second until it is complete. */
class LogTail {
  private attemptKey = "";
  private token = "";
  private text = "";
  private timer: number | undefined;
  private busy = false;

  constructor(
    private readonly jobId: string,
    private readonly el: HTMLElement,
    private readonly title: HTMLElement,
    private readonly signal: AbortSignal,
  ) {}

  follow(task: RenderTask | undefined): void {
    const attempt = task?.attempts.at(-1);
    if (!task || !attempt) return;
    const key = `${task.id}/${attempt.id}`;
    if (key === this.attemptKey) return;
    this.attemptKey = key;
    this.token = "";
    this.text = "";
    fill(this.title, `Log of ${taskKind(task.kind)} ${task.id} on ${attempt.agentName}`);
    this.read(task.id, attempt.id);
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private async read(taskId: string, attemptId: string): Promise<void> {
    if (this.busy || this.signal.aborted || this.attemptKey !== `${taskId}/${attemptId}`) return;
    this.busy = true;
    let complete = false;
    try {
      for (let pages = 0; pages < 64; pages++) {
        const page = await jobApi.getTaskLog({ jobId: this.jobId, taskId, attemptId, pageToken: this.token }, { signal: this.signal });
        this.token = page.nextPageToken;
        this.text = (this.text + page.text).slice(-tailBytes);
        complete = page.complete;
        if (complete || page.text.length === 0) break;
      }
      this.el.textContent = this.text;
      this.el.scrollTop = this.el.scrollHeight;
    } catch (error) {
      if (!this.signal.aborted) this.el.textContent = describe(error);
    } finally {
      this.busy = false;
    }
    if (!complete && !this.signal.aborted) this.timer = window.setTimeout(() => this.read(taskId, attemptId), 1000);
  }
}
