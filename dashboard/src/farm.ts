// Farm view: every agent (state, why it is away or drained, what it renders with progress and fps, load), the queue
// counts and the oldest wait, all from the live FarmWatch. Operators drain, resume and cancel attempts here.
import { durationMs } from "@bufbuild/protobuf/wkt";
import { describe, farmApi, isOperator, type Me } from "./api";
import { bar, fill, h } from "./dom";
import type { FarmWatch } from "./farmwatch";
import { agentState, age, span, when } from "./format";
import { throughputChart } from "./throughput";
import { AgentState, type AgentInfo } from "./gen/renderfarm/v1/farm_service_pb";
import { JobState } from "./gen/renderfarm/v1/job_pb";

export function farmView(root: HTMLElement, watch: FarmWatch, me: Me, say: (message: string) => void): () => void {
  const summary = h("section", { class: "summary", "data-testid": "queue" });
  const agents = h("section", { class: "agents" });
  const chart = throughputChart(watch);
  fill(root, h("h2", {}, "Farm"), summary, chart.el, h("h3", {}, "Agents"), agents);

  let pending = false;
  const draw = () => {
    pending = false;
    drawSummary(summary, watch);
    drawAgents(agents, watch, me, say);
  };
  const redraw = () => {
    if (!pending) {
      pending = true;
      requestAnimationFrame(draw);
    }
  };
  draw();
  const off = watch.on(redraw);
  return () => {
    off();
    chart.stop();
  };
}

function drawSummary(el: HTMLElement, watch: FarmWatch): void {
  const counts = new Map<JobState, number>();
  for (const job of watch.activeJobs.values()) counts.set(job.state, (counts.get(job.state) ?? 0) + 1);
  const stats = watch.stats;
  const oldestMs = stats?.oldestQueuedAge ? durationMs(stats.oldestQueuedAge) : 0;
  const oldest = oldestMs > 0 ? span(oldestMs / 1000) : "";
  const hour = stats?.throughput.at(-1);
  const card = (label: string, value: string | number, id: string) =>
    h("div", { class: "card", "data-testid": id }, h("b", {}, String(value)), h("span", {}, label));
  fill(
    el,
    card("waiting", counts.get(JobState.WAITING) ?? 0, "count-waiting"),
    card("queued", counts.get(JobState.QUEUED) ?? 0, "count-queued"),
    card("running", counts.get(JobState.RUNNING) ?? 0, "count-running"),
    card("agents", watch.agents.size, "count-agents"),
    card("slots busy", stats ? `${stats.busySlots} / ${stats.totalSlots}` : "", "slots"),
    card("oldest waiting", oldest || "none", "oldest"),
    hour ? card(`frames/s, last ${span(durationMs(hour.window!) / 1000)}`, hour.framesPerSecond.toFixed(1), "throughput") : null,
    watch.status ? h("p", { class: "warn" }, watch.status) : null,
  );
}

function why(agent: AgentInfo): string {
  if (agent.awayReason) return agent.awayReason + (agent.awayUntilTime ? ` (until ${when(agent.awayUntilTime)})` : "");
  if (agent.draining) return agent.drainReason || "drained";
  if (agent.state === AgentState.UNREACHABLE) return `not heard from for ${age(agent.lastSeenTime)}`;
  if (agent.state === AgentState.IDLE) return "idle: nothing queued that it can run";
  return "";
}

function drawAgents(el: HTMLElement, watch: FarmWatch, me: Me, say: (message: string) => void): void {
  const operator = isOperator(me);
  const act = (label: string, run: () => Promise<unknown>) =>
    h("button", { "data-testid": label.toLowerCase().replaceAll(" ", "-"), onclick: () => run().catch((e) => say(describe(e))) }, label);
  const rows = [...watch.agents.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((agent) =>
      h(
        "tr",
        { "data-testid": "agent", "data-agent": agent.name },
        h("td", {}, h("b", {}, agent.name), h("div", { class: "dim" }, `${agent.cores} cores, load ${agent.loadAverage.toFixed(2)}`)),
        h("td", {}, h("span", { class: `state s-${agentState(agent.state).replaceAll(" ", "-")}` }, agentState(agent.state)), h("div", { class: "dim" }, why(agent))),
        h("td", {}, `${agent.slots - agent.freeSlots} / ${agent.slots}`),
        h(
          "td",
          {},
          ...agent.running.map((r) =>
            h(
              "div",
              { class: "running" },
              h("a", { href: `#/job/${r.jobId}` }, r.jobName || r.jobId),
              bar(r.percent, `${r.percent.toFixed(0)} % · ${r.fps.toFixed(0)} fps · ${r.speed.toFixed(2)}x`),
              operator ? act("Cancel attempt", () => farmApi.cancelAttempt({ attemptId: r.attemptId, reason: `canceled by ${me.name} from the dashboard` })) : null,
            ),
          ),
        ),
        operator
          ? h(
              "td",
              {},
              agent.draining
                ? act("Resume", () => farmApi.resumeAgent({ agentId: agent.id }))
                : act("Drain", () => farmApi.drainAgent({ agentId: agent.id, reason: `drained by ${me.name} from the dashboard` })),
            )
          : null,
      ),
    );
  fill(
    el,
    rows.length === 0
      ? h("p", { class: "dim" }, "No agent is connected.")
      : h(
          "table",
          {},
          h("thead", {}, h("tr", {}, h("th", {}, "Agent"), h("th", {}, "State"), h("th", {}, "Slots"), h("th", {}, "Rendering"), operator ? h("th", {}, "") : null)),
          h("tbody", {}, ...rows),
        ),
  );
}
