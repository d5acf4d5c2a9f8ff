// DOM helpers. Data is only ever put into the page as text (textContent / createTextNode):
// there is no innerHTML anywhere in the dashboard, so markup inside a source is shown literally.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === "function") e.addEventListener(k.replace(/^on/, ""), v as EventListener);
    else if (k === "text") e.textContent = String(v);
    else if (k === "href") {
      const safe = safeUrl(String(v));
      if (safe) e.setAttribute("href", safe);
    } else e.setAttribute(k, v === true ? "" : String(v));
  }
  append(e, children);
  return e;
}

export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
  }
}

export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

/** http(s) URLs only: javascript:, data: and relative tricks are not made into links. */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url, window.location.href);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

/** A link that opens outside the dashboard, or plain text when the URL is not http(s). */
export function extLink(url: string | null | undefined, label?: string): Node {
  const safe = safeUrl(url);
  if (!safe) return document.createTextNode(label ?? url ?? "");
  return el("a", { href: safe, target: "_blank", rel: "noopener noreferrer nofollow",
                   referrerpolicy: "no-referrer" }, label ?? safe);
}

/** Text with [start, end) wrapped in <mark>, built from text nodes. */
export function highlighted(text: string, start?: number | null, end?: number | null): Node {
  const span = el("span", { class: "cite" });
  if (start == null || end == null || start < 0 || end > text.length || end <= start) {
    append(span, [text]);
    return span;
  }
  append(span, [text.slice(0, start), el("mark", {}, text.slice(start, end)), text.slice(end)]);
  return span;
}

export function status(node: HTMLElement, msg: string, kind: "info" | "error" = "info"): void {
  node.textContent = msg;
  node.dataset.kind = kind;
}
