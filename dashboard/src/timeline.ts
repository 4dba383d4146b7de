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
const laneHeight = 26;
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

  const agents = [...new Set(bars.map((b) => b.attempt.agentName || b.attempt.agentId))].sort();
  const t0 = Math.min(...bars.map((b) => b.start));
  const t1 = Math.max(...bars.map((b) => b.end), t0 + 1000);
  const x = (t: number) => labelWidth + ((t - t0) / (t1 - t0)) * (width - labelWidth - 4);
  const height = axisHeight + agents.length * laneHeight;
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, class: "timeline", role: "img", "aria-label": `Tasks of ${job.id} by agent over time`, "data-testid": "timeline" });

  // The time axis: five ticks, seconds since the first attempt started.
  for (let i = 0; i <= 4; i++) {
    const t = t0 + ((t1 - t0) * i) / 4;
    svg.append(
      s("line", { x1: x(t), x2: x(t), y1: axisHeight - 4, y2: height, class: "tl-tick" }),
      s("text", { x: x(t), y: axisHeight - 8, class: "tl-axis", "text-anchor": i === 0 ? "start" : i === 4 ? "end" : "middle" }, i === 0 ? "0 s" : span((t - t0) / 1000)),
    );
  }

  agents.forEach((agent, lane) => {
    const y = axisHeight + lane * laneHeight;
    const group = s("g", { "data-testid": "timeline-lane", "data-agent": agent });
    group.append(
      s("rect", { x: 0, y, width, height: laneHeight, class: lane % 2 ? "tl-lane odd" : "tl-lane" }),
      s("text", { x: 6, y: y + laneHeight / 2 + 4, class: "tl-agent" }, agent),
    );
    for (const b of bars.filter((b) => (b.attempt.agentName || b.attempt.agentId) === agent)) {
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
        s("rect", { x: left, y: y + 4, width: w, height: laneHeight - 8, rx: 3 }),
      );
      if (w > 14) bar.append(s("text", { x: left + w / 2, y: y + laneHeight / 2 + 4, "text-anchor": "middle" }, shortLabel(b.task)));
      group.append(bar);
    }
    svg.append(group);
  });

  const legend = document.createElement("p");
  legend.className = "dim tl-legend";
  legend.textContent = `${bars.length} attempt${bars.length === 1 ? "" : "s"} on ${agents.length} agent${agents.length === 1 ? "" : "s"} over ${span((t1 - t0) / 1000) || "0 s"}; hover a bar for its task and error.`;
  el.replaceChildren(svg, legend);
  return bars.some((b) => b.attempt.outcome === AttemptOutcome.RUNNING);
}
