// A few helpers to build the page without a framework: the views are small and redraw their own parts.
type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | ((e: Event) => void) | undefined>;

export function h(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = String(value);
    else if (name === "value") (el as HTMLInputElement).value = String(value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) if (child) el.append(child);
  return el;
}

export function bar(percent: number, label?: string): HTMLElement {
  const p = Math.max(0, Math.min(100, percent));
  const fillEl = h("div", { class: "fill" });
  fillEl.style.width = `${p.toFixed(1)}%`; // a style property, not an attribute: the page's CSP allows no inline styles
  return h(
    "div",
    { class: "bar", role: "progressbar", "aria-valuenow": p.toFixed(1), "aria-valuemin": 0, "aria-valuemax": 100 },
    fillEl,
    h("span", {}, label ?? `${p.toFixed(0)} %`),
  );
}

/** Replaces the children of `el`. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren(...(children.filter(Boolean) as (Node | string)[]));
}
