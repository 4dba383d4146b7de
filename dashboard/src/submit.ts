// The editor's submit form: input, output, preset and a few options of JobSpec. The coordinator validates every field
// (media roots, preset and extension) and its message is shown as it is.
import { canSubmit, describe, jobApi, type Me } from "./api";
import { h } from "./dom";
import { presetName } from "./format";
import type { Job } from "./gen/renderfarm/v1/job_pb";
import { Preset } from "./gen/renderfarm/v1/render_pb";

export function submitForm(me: Me, say: (message: string) => void, submitted: (job: Job) => void): HTMLElement | null {
  if (!canSubmit(me)) return null;
  const field = (name: string, label: string, attrs: Record<string, string> = {}) =>
    h("label", {}, label, h("input", { name, "data-testid": `submit-${name}`, ...attrs }));
  const presets = Object.values(Preset).filter((v): v is Preset => typeof v === "number" && v !== Preset.UNSPECIFIED);
  const form = h(
    "form",
    { class: "submit", "data-testid": "submit-form" },
    field("name", "Name", { placeholder: "trailer proxy" }),
    field("input", "Input", { required: "", placeholder: "media/in/clip.mov" }),
    field("output", "Output", { required: "", placeholder: "media/out/clip.mp4" }),
    h("label", {}, "Preset", h("select", { name: "preset", "data-testid": "submit-preset" }, ...presets.map((p) => h("option", { value: String(p) }, presetName(p))))),
    field("maxWidth", "Max width", { type: "number", min: "0", value: "0" }),
    field("priority", "Priority", { type: "number", min: "-100", max: "100", value: "0" }),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "overwrite", "data-testid": "submit-overwrite" }), "Overwrite"),
    h("button", { type: "submit", "data-testid": "submit-button" }, "Submit job"),
  ) as HTMLFormElement;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    try {
      const response = await jobApi.submitJob({
        spec: {
          name: String(data.get("name") ?? ""),
          inputPath: String(data.get("input") ?? ""),
          outputPath: String(data.get("output") ?? ""),
          output: { preset: Number(data.get("preset")), maxWidth: Number(data.get("maxWidth") ?? 0) },
          priority: Number(data.get("priority") ?? 0),
          overwrite: data.get("overwrite") === "on",
        },
      });
      if (response.job) submitted(response.job);
      say(`Submitted ${response.job?.id ?? ""}.`);
    } catch (error) {
      say(describe(error));
    }
  });
  return h("details", { class: "submit-box", open: true }, h("summary", {}, `Submit a job as ${me.name}`), form);
}
