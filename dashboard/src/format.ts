// How the dashboard writes states, times, sizes and media facts.
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { AgentState } from "./gen/renderfarm/v1/farm_service_pb";
import { AttemptOutcome, JobState, TaskState } from "./gen/renderfarm/v1/job_pb";
import { FailureClass, Preset, TaskKind, type OutputInfo } from "./gen/renderfarm/v1/render_pb";

const lower = (name: string | undefined) => (name ?? "unknown").toLowerCase().replaceAll("_", " ");

export const jobState = (s: JobState) => lower(JobState[s]);
export const taskState = (s: TaskState) => lower(TaskState[s]);
export const agentState = (s: AgentState) => lower(AgentState[s]);
export const outcome = (s: AttemptOutcome) => lower(AttemptOutcome[s]);
export const failureClass = (s: FailureClass) => (s ? lower(FailureClass[s]) : "");
export const taskKind = (s: TaskKind) => lower(TaskKind[s]);
export const presetName = (p: Preset) => lower(Preset[p]);

export const isEnded = (s: JobState) => s === JobState.SUCCEEDED || s === JobState.FAILED || s === JobState.CANCELED;

export function when(t: Timestamp | undefined): string {
  return t ? timestampDate(t).toLocaleTimeString() : "";
}

export function age(t: Timestamp | undefined, now = Date.now()): string {
  if (!t) return "";
  return span((now - timestampDate(t).getTime()) / 1000);
}

export function span(seconds: number): string {
  if (!isFinite(seconds) || seconds < 0) return "";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const part = (whole: number, unit: string, rest: number, restUnit: string) => (rest > 0 ? `${whole} ${unit} ${rest} ${restUnit}` : `${whole} ${unit}`);
  if (seconds < 3600) return part(Math.floor(seconds / 60), "min", Math.round(seconds % 60), "s");
  return part(Math.floor(seconds / 3600), "h", Math.round((seconds % 3600) / 60), "min");
}

export function bytes(n: bigint | number): string {
  const v = Number(n);
  if (v < 1024) return `${v} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let x = v / 1024;
  let i = 0;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${x.toFixed(1)} ${units[i]}`;
}

/** HDR when the transfer is PQ or HLG, as ffprobe names them. */
export const isHdr = (o: OutputInfo) => o.colorTransfer === "smpte2084" || o.colorTransfer === "arib-std-b67";

/** The output's ffprobe facts in one line. */
export function probeSummary(o: OutputInfo): string {
  const colour = [o.colorPrimaries, o.colorTransfer, o.colorSpace].filter(Boolean).join("/") || "untagged";
  const rate = o.frameRate ? `${o.frameRate} fps` : "source timing";
  return `${o.videoCodec} ${o.width}x${o.height} ${o.pixelFormat}, ${rate}, ${o.frameCount} frames, ${o.durationSeconds.toFixed(2)} s, ${bytes(o.sizeBytes)}, ${colour}, ${isHdr(o) ? "HDR" : "SDR"}`;
}
