// Job view: the job's tasks on a timeline by agent. One lane per agent that ran any of its tasks, one bar per attempt
// from its start to its end (or to now while it runs, growing as the view redraws), coloured by outcome; hovering a
// bar names the task (chunk number, audio, stitch, probe), the times and the error. Plain SVG, no chart library.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { outcome, span, taskKind } from "./format";
import { AttemptOutcome, type Attempt, type Job, type RenderTask } from "./gen/renderfarm/v1/job_pb";
import { TaskKind } from "./gen/renderfarm/v1/render_pb";

const svgNs = "http://www.w3.org/2000/svg";
const width = 1000; // viewBox units; the SVG scales to the page's width
const labelWidth = 130;
const rowHeight = 22; // one row of bars; a lane has as many rows as the agent ran attempts at once
const lanePadding = 2;
const axisHeight = 22;

function s(tag: string, attrs: Record<string, string | number>, ...children: (Node | string)[]): SVGElement {
  const el = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  el.append(...children);
  return el;
}

/** The task as a person names it: "chunk 3", "audio", "stitch", "probe", "render". */
export function taskLabel(task: RenderTask): string {
  return task.kind === TaskKind.CHUNK && task.chunk ? `chunk ${task.chunk.index + 1}` : taskKind(task.kind);
}

/** What fits inside a bar: the chunk's number, or the kind's first letter. */
function shortLabel(task: RenderTask): string {
  return task.kind === TaskKind.CHUNK && task.chunk ? String(task.chunk.index + 1) : taskKind(task.kind).slice(0, 1).toUpperCase();
}

interface Bar {
  task: RenderTask;
  attempt: Attempt;
  start: number;
  end: number;
}

/** Draws the timeline of `job` into `el` as of `now` (ms); empty when no attempt has started yet. Returns whether any bar is still running. */
export function drawTimeline(el: HTMLElement, job: Job, now = Date.now()): boolean {
  const bars: Bar[] = job.tasks.flatMap((task) =>
    task.attempts
      .filter((a) => a.startTime)
      .map((attempt) => {
        const start = timestampDate(attempt.startTime!).getTime();
        const end = attempt.endTime ? timestampDate(attempt.endTime).getTime() : Math.max(start, now);
        return { task, attempt, start, end };
      }),
  );
  if (bars.length === 0) {
    el.replaceChildren(Object.assign(document.createElement("p"), { className: "dim", textContent: "No task has started yet." }));
    return false;
  }

  // One lane per agent; attempts that overlap on an agent with several slots go on rows of their own within its lane.
  const agents = [...new Set(bars.map((b) => b.attempt.agentName || b.attempt.agentId))].sort();
  const rows = new Map(agents.map((agent) => [agent, packRows(bars.filter((b) => (b.attempt.agentName || b.attempt.agentId) === agent))]));
  const t0 = Math.min(...bars.map((b) => b.start));
  const t1 = Math.max(...bars.map((b) => b.end), t0 + 1000);
  const x = (t: number) => labelWidth + ((t - t0) / (t1 - t0)) * (width - labelWidth - 4);
  const height = axisHeight + [...rows.values()].reduce((sum, r) => sum + r.length * rowHeight + 2 * lanePadding, 0);
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, class: "timeline", role: "img", "aria-label": `Tasks of ${job.id} by agent over time`, "data-testid": "timeline" });

  // The time axis: seconds since the first attempt started, at a round step (0.5 s, 1 s, 2 s, 5 s, 10 s, 30 s, 1 min...).
  const step = tickStep((t1 - t0) / 1000);
  for (let seconds = 0; t0 + seconds * 1000 <= t1; seconds += step) {
    const t = t0 + seconds * 1000;
    svg.append(
      s("line", { x1: x(t), x2: x(t), y1: axisHeight - 4, y2: height, class: "tl-tick" }),
      s("text", { x: x(t), y: axisHeight - 8, class: "tl-axis", "text-anchor": seconds === 0 ? "start" : "middle" }, tickLabel(seconds, step)),
    );
  }

  let y = axisHeight;
  agents.forEach((agent, lane) => {
    const laneRows = rows.get(agent)!;
    const laneHeight = laneRows.length * rowHeight + 2 * lanePadding;
    const group = s("g", { "data-testid": "timeline-lane", "data-agent": agent });
    group.append(
      s("rect", { x: 0, y, width, height: laneHeight, class: lane % 2 ? "tl-lane odd" : "tl-lane" }),
      s("text", { x: 6, y: y + laneHeight / 2 + 4, class: "tl-agent" }, agent),
    );
    laneRows.forEach((row, r) => {
      const top = y + lanePadding + r * rowHeight;
      for (const b of row) {
        const left = x(b.start);
        const w = Math.max(2, x(b.end) - left);
        const running = b.attempt.outcome === AttemptOutcome.RUNNING;
        const title = [
          `${taskLabel(b.task)} on ${agent}: ${outcome(b.attempt.outcome)}`,
          `${new Date(b.start).toLocaleTimeString()} – ${running ? "now" : new Date(b.end).toLocaleTimeString()} (${span((b.end - b.start) / 1000) || "0 s"})`,
          b.attempt.error,
        ].filter(Boolean).join("\n");
        const bar = s(
          "g",
          { class: `tl-bar o-${outcome(b.attempt.outcome)}`, "data-testid": "timeline-bar", "data-task": taskLabel(b.task), "data-outcome": outcome(b.attempt.outcome) },
          s("title", {}, title),
          s("rect", { x: left, y: top + 2, width: w, height: rowHeight - 4, rx: 3 }),
        );
        if (w > 14) bar.append(s("text", { x: left + w / 2, y: top + rowHeight / 2 + 4, "text-anchor": "middle" }, shortLabel(b.task)));
        group.append(bar);
      }
    });
    svg.append(group);
    y += laneHeight;
  });

  const legend = document.createElement("p");
  legend.className = "dim tl-legend";
  legend.textContent = `${bars.length} attempt${bars.length === 1 ? "" : "s"} on ${agents.length} agent${agents.length === 1 ? "" : "s"} over ${span((t1 - t0) / 1000) || "0 s"}; hover a bar for its task and error.`;
  el.replaceChildren(svg, legend);
  return bars.some((b) => b.attempt.outcome === AttemptOutcome.RUNNING);
}

/** Puts bars on rows so that none overlaps another on its row: each goes on the first row free at its start. */
function packRows(bars: Bar[]): Bar[][] {
  const rows: Bar[][] = [];
  for (const b of [...bars].sort((p, q) => p.start - q.start)) {
    const row = rows.find((r) => r[r.length - 1].end <= b.start);
    if (row) row.push(b);
    else rows.push([b]);
  }
  return rows;
}

/** A round step between ticks, in seconds, giving at most six ticks over `total` seconds. */
function tickStep(total: number): number {
  const steps = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400];
  return steps.find((step) => total / step <= 5) ?? Math.ceil(total / 5 / 86400) * 86400;
}

function tickLabel(seconds: number, step: number): string {
  if (seconds === 0) return "0 s";
  return step < 1 ? `${seconds.toFixed(1)} s` : span(seconds);
}
