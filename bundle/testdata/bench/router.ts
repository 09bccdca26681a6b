export type Params = Record<string, string>;
export type Handler<E> = (req: Request, env: E, params: Params) => Response | Promise<Response>;

interface Route<E> {
  method: string;
  parts: string[];
  handler: Handler<E>;
}

export class Router<E> {
  private routes: Route<E>[] = [];

  private add(method: string, pattern: string, handler: Handler<E>): this {
    this.routes.push({ method, parts: pattern.split("/").filter(Boolean), handler });
    return this;
  }

  get(p: string, h: Handler<E>) { return this.add("GET", p, h); }
  post(p: string, h: Handler<E>) { return this.add("POST", p, h); }
  all(p: string, h: Handler<E>) { return this.add("*", p, h); }

  handle(req: Request, env: E): Response | Promise<Response> | undefined {
    const path = new URL(req.url).pathname.split("/").filter(Boolean);
    for (const r of this.routes) {
      if (r.method !== "*" && r.method !== req.method) continue;
      const params = match(r.parts, path);
      if (params) return r.handler(req, env, params);
    }
    return undefined;
  }
}

function match(parts: string[], path: string[]): Params | null {
  const params: Params = {};
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] === "*") return params;
    if (i >= path.length) return null;
    if (parts[i].startsWith(":")) params[parts[i].slice(1)] = decodeURIComponent(path[i]);
    else if (parts[i] !== path[i]) return null;
  }
  return parts.length === path.length ? params : null;
}
