// Throughput over the last hour (FarmService.GetThroughput): a bar per minute of the tasks that ended (succeeded, with the
// failures stacked on top), a line of the agent slots busy, and the hour's totals. Drawn as a small inline SVG. It is read
// again when WatchFarm pushes a job's change (a task started or ended), at most once every few seconds: not on a timer.
import { durationMs, timestampDate } from "@bufbuild/protobuf/wkt";
import { describe, farmApi } from "./api";
import { fill, h } from "./dom";
import type { FarmWatch } from "./farmwatch";
import { span } from "./format";
import type { GetThroughputResponse, ThroughputBucket } from "./gen/renderfarm/v1/farm_service_pb";

const minGapMs = 3000;
const svgNs = "http://www.w3.org/2000/svg";
const width = 600;
const height = 80;

function s(tag: string, attrs: Record<string, string | number>, ...children: (Node | string)[]): SVGElement {
  const el = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  el.append(...children);
  return el;
}

export function throughputChart(watch: FarmWatch): { el: HTMLElement; stop: () => void } {
  const el = h("section", { class: "throughput", "data-testid": "throughput" }, h("p", { class: "dim" }, "Reading the last hour's throughput…"));
  let last = 0;
  let timer: number | undefined;
  let running = false;
  let again = false;
  let stopped = false;

  const load = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    last = Date.now();
    try {
      draw(el, await farmApi.getThroughput({}));
    } catch (e) {
      const message = describe(e);
      if (message) fill(el, h("p", { class: "warn" }, `Throughput: ${message}`));
    } finally {
      running = false;
      if (again && !stopped) {
        again = false;
        soon();
      }
    }
  };
  const soon = () => {
    if (timer !== undefined || stopped) return;
    timer = window.setTimeout(() => {
      timer = undefined;
      void load();
    }, Math.max(0, last + minGapMs - Date.now()));
  };
  const off = watch.on((change) => {
    if (change.kind === "job") soon();
  });
  void load();
  return {
    el,
    stop: () => {
      stopped = true;
      off();
      clearTimeout(timer);
    },
  };
}

function draw(el: HTMLElement, series: GetThroughputResponse): void {
  const buckets = series.buckets;
  const n = Math.max(1, buckets.length);
  const slot = width / n;
  const tasks = (b: ThroughputBucket) => b.tasksSucceeded + b.tasksFailed;
  const most = Math.max(1, ...buckets.map(tasks));
  const busiest = Math.max(1, ...buckets.map((b) => b.busySlots));
  const bucketMs = series.bucket ? durationMs(series.bucket) : 60_000;
  const bars = buckets.map((b, i) => {
    const ok = (b.tasksSucceeded / most) * (height - 4);
    const bad = (b.tasksFailed / most) * (height - 4);
    const at = b.startTime ? timestampDate(b.startTime).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
    const tip = `${at}: ${b.tasksSucceeded} tasks succeeded, ${b.tasksFailed} failed, ${b.jobsSucceeded} jobs done, ${b.frames} frames, ${b.mediaSeconds.toFixed(1)} s of video, ${b.busySlots.toFixed(2)} slots busy`;
    return s(
      "g",
      { "data-testid": "throughput-bar", "data-tasks": tasks(b), "data-frames": String(b.frames), "data-jobs": b.jobsSucceeded },
      s("title", {}, tip),
      s("rect", { class: "tp-hit", x: (i * slot).toFixed(2), y: 0, width: slot.toFixed(2), height }),
      s("rect", { class: "tp-ok", x: (i * slot + slot * 0.1).toFixed(2), y: (height - ok).toFixed(2), width: (slot * 0.8).toFixed(2), height: ok.toFixed(2) }),
      s("rect", { class: "tp-bad", x: (i * slot + slot * 0.1).toFixed(2), y: (height - ok - bad).toFixed(2), width: (slot * 0.8).toFixed(2), height: bad.toFixed(2) }),
    );
  });
  const line = buckets.map((b, i) => `${(i * slot + slot / 2).toFixed(1)},${(height - 2 - (b.busySlots / busiest) * (height - 6)).toFixed(1)}`).join(" ");
  const t = series.total;
  const count = (n: number | bigint, noun: string) => `${n} ${Number(n) === 1 ? noun : noun + "s"}`;
  const clock = (at: typeof series.startTime) => (at ? timestampDate(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "");
  fill(
    el,
    h("h3", {}, `Throughput, last ${span((buckets.length * bucketMs) / 1000)} (per ${span(bucketMs / 1000)})`),
    s(
      "svg",
      { class: "tp-chart", "data-testid": "throughput-chart", viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none", role: "img", "aria-label": "tasks ended per bucket and busy slots" },
      s("line", { class: "tp-axis", x1: 0, y1: height - 0.5, x2: width, y2: height - 0.5 }),
      ...bars,
      s("polyline", { class: "tp-busy", points: line }),
    ),
    h("div", { class: "tp-axis-labels dim" }, h("span", {}, clock(series.startTime)), h("span", {}, `now (${clock(series.endTime)})`)),
    h(
      "p",
      { class: "dim", "data-testid": "throughput-total" },
      t
        ? `${count(t.tasksSucceeded, "task")} succeeded, ${t.tasksFailed} failed · ${count(t.jobsSucceeded, "job")} done, ${t.jobsFailed} failed · ${t.frames} frames, ${t.mediaSeconds.toFixed(1)} s of video · ` +
            `${t.busySlots.toFixed(2)} slots busy on average (blue line, top = ${busiest.toFixed(1)})`
        : "",
    ),
  );
}
