// A succeeded job's pictures in the job view (GetThumbnail, each shown from a blob URL): the poster frame; for a graded
// job its source at the same time beside it ("source | result"); for a longer clip the contact sheet under them.
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, jobApi } from "./api";
import { fill, h } from "./dom";
import { ThumbnailKind, type GetThumbnailResponse } from "./gen/renderfarm/v1/job_service_pb";

/**
 * Asked for once the job succeeded. The coordinator makes the pictures when first asked for (the answer comes once they
 * are made, a second or so for a poster; "Making the poster frame…" meanwhile) and keeps them, so a later view is served
 * at once. Leaving the page cancels the ask, and the coordinator stops making them if nobody else waits. An answer that
 * says why there is no picture (the output was moved or changed, the job is not one that gets it) is shown as is; only
 * a coordinator that is restarting or busy is asked again, after 2, 4, 8 s.
 */
export class Thumbnails {
  private started = false;
  private hdr = false;
  private readonly urls: string[] = [];
  private timer: number | undefined;

  constructor(
    private readonly jobId: string,
    private readonly el: HTMLElement,
    private readonly signal: AbortSignal,
  ) {}

  show(hdr: boolean): void {
    if (this.started) return;
    this.started = true;
    this.hdr = hdr;
    fill(this.el, h("figcaption", { class: "dim", "data-testid": "thumbnail-wait" }, "Making the poster frame…"));
    this.fetch(4);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.urls.forEach((u) => URL.revokeObjectURL(u));
  }

  private get(kind: ThumbnailKind): Promise<GetThumbnailResponse> {
    return jobApi.getThumbnail({ jobId: this.jobId, kind }, { signal: this.signal });
  }

  private img(t: GetThumbnailResponse, alt: string, testid: string): HTMLElement {
    const url = URL.createObjectURL(new Blob([new Uint8Array(t.jpeg)], { type: "image/jpeg" }));
    this.urls.push(url);
    return h("img", { src: url, width: String(t.width), height: String(t.height), alt, "data-testid": testid });
  }

  private async fetch(triesLeft: number): Promise<void> {
    if (this.signal.aborted) return;
    try {
      // The poster is stored last, so once it is there the job's other kinds are too.
      const poster = await this.get(ThumbnailKind.POSTER);
      const [source, sheet] = await Promise.all([
        poster.kinds.includes(ThumbnailKind.SOURCE) ? this.get(ThumbnailKind.SOURCE) : undefined,
        poster.kinds.includes(ThumbnailKind.CONTACT_SHEET) ? this.get(ThumbnailKind.CONTACT_SHEET) : undefined,
      ]);
      const toneMapped = this.hdr ? ", the HDR output tone-mapped to SDR for display" : "";
      const result = h("figure", { class: "poster" },
        this.img(poster, "Poster frame of the output", "thumbnail"),
        h("figcaption", { class: "dim" }, `${source ? "Result" : "Poster frame"}, ${poster.width}×${poster.height}${toneMapped}`));
      const top = source
        ? h("div", { class: "side-by-side", "data-testid": "source-result" },
            h("figure", { class: "poster" },
              this.img(source, "The source at the same time, without the grade", "thumbnail-source"),
              h("figcaption", { class: "dim" }, "Source, without the grade")),
            result)
        : result;
      fill(this.el, top, ...(sheet
        ? [h("figure", { class: "poster sheet" },
            this.img(sheet, "Contact sheet: frames spread through the output", "contact-sheet"),
            h("figcaption", { class: "dim" }, `Contact sheet, frames spread through the clip in reading order, ${sheet.width}×${sheet.height}`))]
        : []));
    } catch (error) {
      if (this.signal.aborted) return;
      const code = ConnectError.from(error).code;
      if (triesLeft > 1 && [Code.Unavailable, Code.ResourceExhausted, Code.DeadlineExceeded, Code.Aborted].includes(code)) {
        this.timer = window.setTimeout(() => this.fetch(triesLeft - 1), 2000 * 2 ** (4 - triesLeft));
        return;
      }
      fill(this.el, h("figcaption", { class: "dim" }, describe(error)));
    }
  }
}
