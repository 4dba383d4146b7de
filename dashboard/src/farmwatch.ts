// One WatchFarm stream for the whole tab: the agents, the jobs that have not ended, and the queue figures, kept live
// from the coordinator's pushed events. The farm and jobs views read from here and redraw when told.
import { farmApi, describe, isAuthError } from "./api";
import { AgentEvent_Kind, JobEvent_Kind, type AgentInfo, type FarmEvent, type GetQueueStatsResponse } from "./gen/renderfarm/v1/farm_service_pb";
import type { Job } from "./gen/renderfarm/v1/job_pb";
import { isEnded } from "./format";

export type FarmChange = { kind: "snapshot" } | { kind: "job"; job: Job; submitted: boolean } | { kind: "agent"; agent: AgentInfo } | { kind: "status" };

export class FarmWatch {
  readonly agents = new Map<string, AgentInfo>();
  readonly activeJobs = new Map<string, Job>();
  stats: GetQueueStatsResponse | undefined;
  /** Empty while the stream is healthy; otherwise why it is not. */
  status = "connecting";
  private readonly listeners = new Set<(change: FarmChange) => void>();
  private readonly abort = new AbortController();
  private statsTimer: number | undefined;

  constructor(private readonly onSignedOut: (message: string) => void) {}

  on(listener: (change: FarmChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    this.abort.abort();
    clearTimeout(this.statsTimer);
  }

  async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        for await (const event of farmApi.watchFarm({}, { signal: this.abort.signal })) {
          this.apply(event.event);
        }
        this.setStatus("the farm stream ended; joining again");
      } catch (error) {
        if (this.abort.signal.aborted) return;
        if (isAuthError(error)) return this.onSignedOut(describe(error));
        this.setStatus(describe(error));
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  private apply(event: FarmEvent["event"]): void {
    switch (event.case) {
      case "snapshot": {
        this.agents.clear();
        this.activeJobs.clear();
        for (const a of event.value.agents) this.agents.set(a.id, a);
        for (const j of event.value.activeJobs) this.activeJobs.set(j.id, j);
        this.stats = event.value.stats;
        this.status = "";
        this.emit({ kind: "snapshot" });
        return;
      }
      case "job": {
        const job = event.value.job;
        if (!job) return;
        if (isEnded(job.state)) this.activeJobs.delete(job.id);
        else this.activeJobs.set(job.id, job);
        this.emit({ kind: "job", job, submitted: event.value.kind === JobEvent_Kind.SUBMITTED });
        this.refreshStatsSoon();
        return;
      }
      case "agent": {
        const agent = event.value.agent;
        if (!agent) return;
        if (event.value.kind === AgentEvent_Kind.LEFT) this.agents.delete(agent.id);
        else this.agents.set(agent.id, agent);
        this.emit({ kind: "agent", agent });
        return;
      }
    }
  }

  /** Queue figures (oldest waiting, throughput) are not in the events: re-read them at most every two seconds after a change. */
  private refreshStatsSoon(): void {
    if (this.statsTimer !== undefined) return;
    this.statsTimer = window.setTimeout(async () => {
      this.statsTimer = undefined;
      try {
        this.stats = await farmApi.getQueueStats({}, { signal: this.abort.signal });
        this.emit({ kind: "snapshot" });
      } catch {
        // The stream reports trouble; a missed refresh is made up by the next change.
      }
    }, 2000);
  }

  private setStatus(status: string): void {
    this.status = status;
    this.emit({ kind: "status" });
  }

  private emit(change: FarmChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
