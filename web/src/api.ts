// The JSON API (src/frontlens/serve/api.py), same origin, under /api.

export class ApiError extends Error {
  constructor(public status: number, message: string) { super(message); }
}

export async function getJSON<T = any>(path: string, params: Record<string, string | undefined> = {}): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, v);
  const url = "/api" + path + (q.toString() ? "?" + q : "");
  const r = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
  if (!r.ok) throw new ApiError(r.status, `${r.status} ${r.statusText}: ${await detail(r)}`);
  return r.json();
}

export async function getText(path: string, params: Record<string, string | undefined> = {}): Promise<string> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, v);
  const r = await fetch("/api" + path + "?" + q, { credentials: "same-origin" });
  if (!r.ok) throw new ApiError(r.status, `${r.status} ${r.statusText}: ${await detail(r)}`);
  return r.text();
}

async function detail(r: Response): Promise<string> {
  try {
    const t = await r.text();
    try {
      const j = JSON.parse(t);
      return typeof j.detail === "string" ? j.detail : JSON.stringify(j.detail ?? j);
    } catch { return t.slice(0, 300); }
  } catch { return ""; }
}

/** A list endpoint may answer a bare list or a page {total, limit, offset, items}. */
export function items<T = any>(x: any): T[] {
  if (Array.isArray(x)) return x;
  if (x && Array.isArray(x.items)) return x.items;
  if (x && Array.isArray(x.features)) return x.features;
  return [];
}

/** Fetch every page of a paged list (bounded). */
export async function getAll<T = any>(path: string, params: Record<string, string | undefined> = {},
                                      max = 5000): Promise<T[]> {
  const first = await getJSON(path, { ...params, limit: "500" });
  const out: T[] = items<T>(first);
  if (Array.isArray(first) || typeof first?.total !== "number") return out;
  let offset = out.length;
  while (offset < first.total && offset < max) {
    const page = await getJSON(path, { ...params, limit: "500", offset: String(offset) });
    const got = items<T>(page);
    if (!got.length) break;
    out.push(...got);
    offset += got.length;
  }
  return out;
}

/** POST /api/ingest with upload progress (XMLHttpRequest: fetch has no upload progress). */
export function ingest(body: FormData | string, token: string, process: boolean,
                       onProgress: (loaded: number, total: number) => void): Promise<any> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", process ? "/api/ingest?extract=true&fuse=true" : "/api/ingest");
    if (token) xhr.setRequestHeader("Authorization", "Bearer " + token);
    if (typeof body === "string") xhr.setRequestHeader("Content-Type", "application/json");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : 0);
    xhr.onload = () => {
      let data: any = xhr.responseText;
      try { data = JSON.parse(xhr.responseText); } catch { /* keep text */ }
      // 422 with a report: the input was refused, and the report says why
      if ((xhr.status >= 200 && xhr.status < 300) || (xhr.status === 422 && data?.origin)) resolve(data);
      else {
        const d = data && typeof data === "object" ? (data.detail ?? data) : data;
        reject(new ApiError(xhr.status, `${xhr.status}: ${typeof d === "string" ? d : JSON.stringify(d)}`));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, "network error"));
    xhr.send(body);
  });
}
