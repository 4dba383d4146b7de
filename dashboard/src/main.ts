// The dashboard's entry: sign-in with an API key (kept in sessionStorage for this tab only), then the farm, jobs and
// job views by the address's #fragment. What a key may do decides which controls exist at all; the coordinator
// checks every call again.
import { accessApi, apiKey, describe, setApiKey, type Me } from "./api";
import { fill, h } from "./dom";
import { farmView } from "./farm";
import { FarmWatch } from "./farmwatch";
import { Role } from "./gen/renderfarm/v1/access_service_pb";
import { jobView } from "./job";
import { jobsView } from "./jobs";

const main = document.getElementById("main")!;
const nav = document.getElementById("nav")!;
const notice = document.getElementById("notice")!;

let me: Me | undefined;
let watch: FarmWatch | undefined;
let leave: (() => void) | undefined;

function say(message: string): void {
  notice.textContent = message;
  notice.hidden = !message;
}

function signOut(message = ""): void {
  setApiKey(null);
  me = undefined;
  watch?.stop();
  watch = undefined;
  leave?.();
  leave = undefined;
  fill(nav);
  signInView(message);
}

function signInView(message: string): void {
  const key = h("input", { type: "password", name: "key", autocomplete: "off", placeholder: "rfk_…", "data-testid": "api-key", required: true }) as HTMLInputElement;
  const form = h(
    "form",
    { class: "signin", "data-testid": "signin" },
    h("h2", {}, "Sign in"),
    h("p", { class: "dim" }, "Paste your API key (farmctl keys create NAME --role viewer|editor|operator). It is kept for this tab only."),
    key,
    h("button", { type: "submit", "data-testid": "signin-button" }, "Sign in"),
    h("p", { class: "error", "data-testid": "signin-error" }, message),
  ) as HTMLFormElement;
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    setApiKey(key.value.trim());
    void start();
  });
  fill(main, form);
  key.focus();
}

async function start(): Promise<void> {
  try {
    const caller = await accessApi.getCaller({});
    me = { name: caller.name, role: caller.role };
  } catch (error) {
    signOut(describe(error));
    return;
  }
  say("");
  watch = new FarmWatch(signOut);
  void watch.run();
  fill(
    nav,
    h("a", { href: "#/farm" }, "Farm"),
    h("a", { href: "#/jobs" }, "Jobs"),
    h("span", { class: "who", "data-testid": "who" }, `${me.name} · ${Role[me.role].toLowerCase()}`),
    h("button", { onclick: () => signOut() }, "Sign out"),
  );
  route();
}

function route(): void {
  if (!me || !watch) return;
  leave?.();
  const [path, query = ""] = location.hash.split("?");
  const [, view, id] = path.split("/");
  if (view === "job" && id) leave = jobView(main, decodeURIComponent(id), me, say, signOut);
  else if (view === "jobs") leave = jobsView(main, watch, me, say, new URLSearchParams(query));
  else leave = farmView(main, watch, me, say);
  for (const a of nav.querySelectorAll("a")) a.classList.toggle("here", a.getAttribute("href") === `#/${view || "farm"}`);
}

window.addEventListener("hashchange", route);
if (apiKey()) void start();
else signInView("");
